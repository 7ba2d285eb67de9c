// Seeded pseudo-random numbers for shuffles, splits and dynamic binarisation: core's mulberry32,
// identical in every JavaScript engine, so a seed means the same order everywhere.
import { mulberry32 } from '@vae/core/internal';

/** Mixes any number of 32-bit integers into one well-spread 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Fisher-Yates shuffle in place, driven by `seed`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, seed: number): T {
  const random = mulberry32(mixSeed(seed));
  for (let i = values.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}
