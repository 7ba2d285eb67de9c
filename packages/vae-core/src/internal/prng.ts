/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32): 32 bits of state, the same
 * sequence in every JavaScript engine. The one generator of plain numbers in the `@vae` packages:
 * shuffles and splits, dynamic binarisation, toy data, latent walks, per-layer seeds. Tensor
 * randomness goes through tfjs's own seeded ops.
 *
 * @param seed - Any number; only its low 32 bits count (`seed >>> 0`).
 * @returns A function that returns the next number in [0, 1) each call.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
