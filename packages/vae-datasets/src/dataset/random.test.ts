import { describe, expect, it } from 'vitest';
import { shuffleInPlace } from './random.js';

describe('shuffleInPlace', () => {
  it('gives the pinned order for a seed, so seeded splits and shuffles stay as they were', () => {
    const order = shuffleInPlace(
      Int32Array.from({ length: 10 }, (_, i) => i),
      7,
    );
    expect(Array.from(order)).toEqual([9, 1, 0, 2, 4, 5, 3, 8, 6, 7]);
  });
});
