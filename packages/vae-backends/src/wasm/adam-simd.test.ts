import { describe, expect, it } from 'vitest';
import { adamSimd, FLT_MIN, flushed } from './adam-simd.js';

const f = Math.fround;

describe('adamSimd', () => {
  it.each([
    ['an ordinary memory', () => new WebAssembly.Memory({ initial: 1 })],
    ['a shared memory', () => new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })],
  ])('updates in place on %s and flushes subnormal moments to zero', (_, make) => {
    const memory = make();
    const adam = adamSimd(memory);
    expect(adam).not.toBeNull();
    const heap = new Float32Array(memory.buffer);
    const [w, m, v, g] = [0, 8, 16, 24];
    // Lane 0: a subnormal m whose gradient is 0; lane 1: a normal m that stays normal; lane 2:
    // a v that becomes subnormal; lane 3: an ordinary update. Four more lanes of 0.
    heap.set([0.5, -0.25, 1, 2], w);
    heap.set([1e-39, 2e-38, 0.1, 0.3], m);
    heap.set([0.2, 0.4, 1.1e-38, 0.5], v);
    heap.set([0, 0, 0, 0.7], g);
    const [beta1, beta2, rest1, rest2, a1, s2, eps] = [0.9, 0.999, f(0.1), f(0.001), -0.01, 1.2, 1e-7];
    const before = heap.slice(0, 32);
    (adam as NonNullable<typeof adam>)(
      4 * w,
      4 * m,
      4 * v,
      4 * g,
      4 * w,
      4 * m,
      4 * v,
      8,
      beta1,
      beta2,
      rest1,
      rest2,
      a1,
      s2,
      eps,
    );
    for (let i = 0; i < 4; i++) {
      const gi = before[g + i] as number;
      const mi = f(f((before[m + i] as number) * f(beta1)) + f(gi * rest1));
      const vi = f(f((before[v + i] as number) * f(beta2)) + f(f(gi * gi) * rest2));
      expect(heap[m + i], `m lane ${i}`).toBe(flushed(mi));
      expect(heap[v + i], `v lane ${i}`).toBe(flushed(vi));
      const wi =
        f(f(flushed(mi) * f(a1)) / f(f(f(Math.sqrt(flushed(vi))) * f(s2)) + f(eps))) + (before[w + i] as number);
      expect(Math.abs((heap[w + i] as number) - wi), `w lane ${i}`).toBeLessThanOrEqual(1e-7 * Math.abs(wi));
    }
    expect([heap[m], heap[v + 2]]).toEqual([0, 0]);
    expect(Math.abs(heap[m + 1] as number)).toBeGreaterThanOrEqual(FLT_MIN);
    expect(Array.from(heap.subarray(4, 8))).toEqual([0, 0, 0, 0]);
  });
});
