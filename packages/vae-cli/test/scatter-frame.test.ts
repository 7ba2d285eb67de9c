import { classColorBytes } from '@vae/viz';
import { describe, expect, it } from 'vitest';
import { scatterFrame } from '../src/run/scatter-frame.js';

describe('scatterFrame', () => {
  it("paints each class in @vae/viz's class colour, the one of the report's scatter", () => {
    const size = 65;
    // Two points: class 3 at (2, 2) and class 11 at (-2, -2), on a frame spanning [-4, 4].
    const frame = scatterFrame([2, 2, -2, -2], [3, 11], { size, range: 4 });
    const pixel = (x: number, y: number) => Array.from(frame.data.slice((y * size + x) * 4, (y * size + x) * 4 + 3));
    // x = 2 maps to column (2 / 4 + 1) / 2 * 64 = 48; y = 2 to row (1 - 0.75) * 64 = 16.
    expect(pixel(48, 16)).toEqual(classColorBytes(3));
    expect(pixel(16, 48)).toEqual(classColorBytes(1)); // class 11 cycles to the colour of class 1
    expect(pixel(0, 0)).toEqual([255, 255, 255]);
  });
});
