// Stateless seeded randomness for the training loop: every epoch's shuffle and every step's noise
// is derived from (seed, counter), so a resumed run draws exactly what an uninterrupted run would.
import { mulberry32 } from '../internal/prng.js';

/**
 * Mixes a seed with a counter into a new 31-bit non-negative integer seed (splitmix-style).
 * `fit` derives every seed of a run this way: the shuffle of epoch `e` uses `mixSeed(seed, e)`,
 * the reparameterization noise of step `s` uses `mixSeed(seed ^ 0x2545f491, s)`.
 *
 * @param seed - The run's seed.
 * @param counter - The epoch, step or batch number.
 * @returns A seed in `[0, 2^31)`.
 */
export function mixSeed(seed: number, counter: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(counter | 0, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) & 0x7fffffff;
}

/** A seeded permutation of `0 .. n-1` (Fisher-Yates). */
export function seededPermutation(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
