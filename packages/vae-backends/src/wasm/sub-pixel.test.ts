import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../test/reference-models.js';
import { convGeometry } from './conv-geometry.js';
import { copySimd } from './copy-simd.js';
import { axisClasses, scatterClass, scatterClassSimd } from './sub-pixel.js';

const random = seededUniform(5);

describe('sub-pixel scatter', () => {
  it.each([
    { name: 'stride 2, 4 channels (wide copies)', x: [2, 9, 8, 4], filter: [3, 3, 4, 2], strides: 2 },
    { name: 'stride 3, 3 channels (narrow copies)', x: [1, 10, 11, 3], filter: [4, 3, 3, 2], strides: [3, 2] },
    { name: 'stride 2, 1 channel', x: [3, 7, 7, 1], filter: [3, 3, 1, 5], strides: 2 },
  ] as const)('the SIMD strided copies put every class where the scalar scatter does: $name', (c) => {
    const g = convGeometry(
      [...c.x] as [number, number, number, number],
      [...c.filter] as [number, number, number, number],
      c.strides as number | [number, number],
      1,
      'same',
      undefined,
    );
    const memory = new WebAssembly.Memory({ initial: 1 });
    const copy = copySimd(memory);
    expect(copy).not.toBeNull();
    const rows = axisClasses(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
    const cols = axisClasses(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
    const dxSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
    let classes = 0;
    for (const r of rows) {
      for (const col of cols) {
        if (r.count === 0 || col.count === 0 || r.taps === 0 || col.taps === 0) continue;
        classes++;
        const outSize = g.batch * r.outLength * col.outLength * g.inChannels;
        const heap = new Float32Array(memory.buffer);
        const out = heap.subarray(0, outSize);
        out.set(random(outSize));
        // Two destinations 16-byte aligned after the source, both starting from the same values.
        const start = Math.ceil(outSize / 4) * 4;
        const simd = heap.subarray(start, start + dxSize);
        const scalar = heap.subarray(start + Math.ceil(dxSize / 4) * 4).subarray(0, dxSize);
        simd.fill(-1);
        scalar.fill(-1);
        scatterClassSimd(copy as NonNullable<typeof copy>, out, simd, g, r, col);
        scatterClass(out, scalar, g, r, col);
        expect(Array.from(simd)).toEqual(Array.from(scalar));
        expect(simd.some((v) => v !== -1)).toBe(true);
      }
    }
    expect(classes).toBeGreaterThan(1);
  });
});
