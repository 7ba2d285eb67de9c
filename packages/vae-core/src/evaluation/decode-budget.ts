import { ConfigError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';

/**
 * Default bound on the values one decoder call of an evaluation produces (rows times the values
 * of one example). 2^21 values is 42 images of 128x128x3 or 2,674 of 28x28: far below what an
 * upsampling decoder's activations may take on the wasm heap, which ran out at 1,000 images of
 * 128x128x3 in one call.
 */
export const DEFAULT_MAX_DECODE_VALUES = 2 ** 21;

/** Internal: checks a `maxDecodeValues` option and returns it (the default when `undefined`). */
export function resolveMaxDecodeValues(where: string, value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_DECODE_VALUES;
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigError(
      `${where}: maxDecodeValues must be a positive integer, got ${max}. Pass e.g. { maxDecodeValues: ${DEFAULT_MAX_DECODE_VALUES} }.`,
      { field: 'maxDecodeValues', expected: 'a positive integer', got: max },
    );
  }
  return max;
}

/** Internal: the most examples one decoder call may decode under `maxValues` (at least one). */
export function rowsPerDecode(vae: VAE, maxValues: number): number {
  const perExample = vae.inputShape.reduce((a, b) => a * b, 1);
  return Math.max(1, Math.floor(maxValues / perExample));
}

/** Internal: `[start, size]` ranges that cover `0 .. total - 1` in pieces of at most `size`. */
export function ranges(total: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < total; start += size) out.push([start, Math.min(size, total - start)]);
  return out;
}
