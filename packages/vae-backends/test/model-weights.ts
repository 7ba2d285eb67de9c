// The weights of a VAE as plain arrays, and how far two sets of them lie apart: what the engine
// tests compare runs by.
import type { VAE } from '@vae/core';
import { expect } from 'vitest';

/** The model's trainable variables' values, in order. */
export function weightsOf(vae: VAE): Float32Array[] {
  return vae.trainableVariables.map((v) => v.dataSync() as Float32Array);
}

/** The largest absolute difference between two sets of weights (which must have the same shapes). */
export function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((w, k) => {
    const other = b[k] as Float32Array;
    expect(w.length).toBe(other.length);
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs((w[i] as number) - (other[i] as number)));
  });
  return worst;
}
