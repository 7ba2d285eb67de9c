import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../internal/prng.js';
import { mixSeed, seededPermutation } from './random.js';

describe('seeded randomness', () => {
  it('permutations are permutations, repeat for a seed and differ across seeds', () => {
    const a = seededPermutation(100, 42);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seededPermutation(100, 42)).toEqual(a);
    expect(seededPermutation(100, 43)).not.toEqual(a);
  });

  it('mixSeed gives distinct non-negative 31-bit seeds for nearby counters', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const s = mixSeed(7, i);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(2 ** 31);
      seen.add(s);
    }
    expect(seen.size).toBe(1000);
  });

  it('mulberry32 is uniform enough: mean near 1/2', () => {
    const r = mulberry32(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) sum += r();
    expect(sum / 10000).toBeGreaterThan(0.48);
    expect(sum / 10000).toBeLessThan(0.52);
  });
});
