import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import { type ImageGridOptions, layoutGrid, resolveGridSettings } from '../image/image-grid.js';
import type { RgbaImage } from '../image/rgba-image.js';
import type { VAELike } from '../model/vae-like.js';
import { type DecodeOptions, decodeCodes, readCodes } from './decode-codes.js';

/**
 * Options of {@link latentTraversal}.
 *
 * @category Visualization
 */
export interface LatentTraversalOptions extends DecodeOptions, Omit<ImageGridOptions, 'columns' | 'imageShape'> {
  /**
   * The latent dimension(s) to sweep, one row each.
   * @defaultValue every dimension, up to the first 16
   */
  dim?: number | readonly number[];
  /**
   * Values the swept dimension takes: `[lo, hi]`, or `r` for `[-r, r]`. The value is set, not
   * added to `z`.
   * @defaultValue `3`
   */
  range?: number | readonly [number, number];
  /**
   * Images per row.
   * @defaultValue `9`
   */
  steps?: number;
}

/**
 * Sweeps single latent dimensions from one code: each row sets one dimension of `z` to values
 * evenly spaced over `range` and keeps the others, showing what that dimension controls (the
 * picture used to judge disentanglement, e.g. in beta-VAE work). All tensors made here are
 * disposed.
 *
 * @param vae - A VAE-like object.
 * @param z - The starting code, `[latentDim]` or `[1, latentDim]` (tensor or numbers); not disposed.
 * @param options - Dimensions, range, steps, decoding and layout.
 * @returns A new RGBA picture: one row per swept dimension, `steps` images each.
 * @throws `ConfigError` (from `@vae/core`) when a dimension or the range is out of bounds.
 * @throws `ShapeError` (from `@vae/core`) when `z` does not match the latent size.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * import { latentTraversal } from '@vae/viz';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 3 }); // or your trained model
 * const picture = latentTraversal(vae, new Array(vae.latentDim).fill(0), { dim: [0, 1, 2], range: 2.5, steps: 7 });
 * ```
 * @category Visualization
 */
export function latentTraversal(
  vae: VAELike,
  z: tf.Tensor | ArrayLike<number>,
  options: LatentTraversalOptions = {},
): RgbaImage {
  const where = 'latentTraversal';
  const latentDim = vae.latentDim;
  const { steps = 9, range = 3 } = options;
  const settings = resolveGridSettings(where, { ...options, columns: undefined });
  const codes = readCodes(where, 'z', z, latentDim);
  if (codes.length !== 1) {
    throw new ConfigError(`${where}: z must be one code, got ${codes.length}. Pass z[0] or a [1, latentDim] tensor.`, {
      field: 'z',
      expected: 'one code',
      got: codes.length,
    });
  }
  const base = codes[0]!;
  const dims =
    options.dim === undefined
      ? Array.from({ length: Math.min(latentDim, 16) }, (_, i) => i)
      : typeof options.dim === 'number'
        ? [options.dim]
        : Array.from(options.dim);
  if (dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d < latentDim)) {
    throw new ConfigError(
      `${where}: dim must name latent dimensions in [0, ${latentDim - 1}], got ${JSON.stringify(options.dim)}.`,
      { field: 'options.dim', expected: `integers in [0, ${latentDim - 1}]`, got: options.dim },
    );
  }
  if (!(Number.isInteger(steps) && steps >= 2)) {
    throw new ConfigError(`${where}: steps must be an integer >= 2, got ${String(steps)}.`, {
      field: 'options.steps',
      expected: 'an integer >= 2',
      got: steps,
    });
  }
  const [lo, hi] = typeof range === 'number' ? [-range, range] : range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new ConfigError(`${where}: range must be r > 0 or [lo, hi] with lo < hi, got ${JSON.stringify(range)}.`, {
      field: 'options.range',
      expected: 'a positive number or [lo, hi]',
      got: range,
    });
  }
  const rows: number[][] = [];
  for (const d of dims) {
    for (let s = 0; s < steps; s++) {
      const code = base.slice();
      code[d] = lo + ((hi - lo) * s) / (steps - 1);
      rows.push(code);
    }
  }
  const batch = decodeCodes(where, vae, rows, options);
  return layoutGrid(batch, { ...settings, columns: steps });
}
