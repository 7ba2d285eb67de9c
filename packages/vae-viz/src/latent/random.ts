import { mulberry32 } from '@vae/core/internal';

/** Seeded standard normal numbers (Box-Muller over core's mulberry32): reproducible walks. */
export function normalSource(seed: number): () => number {
  const uniform = mulberry32(Math.floor(seed) ^ 0x9e3779b9);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = 1 - uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}
