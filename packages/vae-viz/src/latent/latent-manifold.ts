import { ConfigError } from '@vae/core';
import { type ImageGridOptions, layoutGrid, resolveGridSettings } from '../image/image-grid.js';
import type { RgbaImage } from '../image/rgba-image.js';
import type { DecodeFn, VAELike } from '../model/vae-like.js';
import { type DecodeOptions, decodeCodes, resolveLatentDim } from './decode-codes.js';
import { normalQuantile } from './normal-quantile.js';

/**
 * Options of {@link latentManifold} and {@link latentManifoldCodes}.
 *
 * @category Visualization
 */
export interface LatentManifoldOptions extends DecodeOptions, Omit<ImageGridOptions, 'columns' | 'imageShape'> {
  /**
   * Grid points per axis; the picture holds `steps x steps` images.
   * @defaultValue `20`
   */
  steps?: number;
  /**
   * Place the grid at evenly spaced probabilities of the N(0, 1) prior, from `quantiles[0]` to
   * `quantiles[1]` (the grid follows the prior's density). Ignored when `range` is given.
   * @defaultValue `[0.05, 0.95]`
   */
  quantiles?: readonly [number, number];
  /**
   * Place the grid evenly from `range[0]` to `range[1]` on both axes instead; a number `r`
   * means `[-r, r]`.
   * @defaultValue `undefined` (quantiles are used)
   */
  range?: number | readonly [number, number];
  /**
   * The two latent dimensions that vary: `dims[0]` left to right, `dims[1]` bottom to top.
   * @defaultValue `[0, 1]`
   */
  dims?: readonly [number, number];
  /**
   * Values of the other latent dimensions, `latentDim` numbers (entries at `dims` are ignored).
   * @defaultValue zeros (the prior mean)
   */
  fixed?: ArrayLike<number>;
  /**
   * Latent size when `decoder` is a function; taken from the model when it is a VAE.
   * @defaultValue `2`
   */
  latentDim?: number;
}

/**
 * The latent codes of a manifold grid and the values along each axis.
 *
 * @category Visualization
 */
export interface LatentManifoldCodes {
  /** `steps * steps` codes, row by row from the top row (largest `dims[1]`) to the bottom. */
  readonly codes: number[][];
  /** Grid values along each axis, increasing. */
  readonly values: number[];
}

/**
 * The latent codes of a `steps x steps` manifold grid: row `r`, column `c` holds
 * `values[c]` in `dims[0]` and `values[steps - 1 - r]` in `dims[1]` (so up is larger, as on a
 * plot), other dimensions from `fixed`.
 *
 * @param latentDim - Size of the latent code.
 * @param options - Grid placement: steps, quantiles or range, dims, fixed.
 * @returns The codes and the axis values.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @example
 * ```ts
 * import { latentManifoldCodes } from '@vae/viz';
 *
 * const { codes, values } = latentManifoldCodes(2, { steps: 3, range: 1 });
 * // values = [-1, 0, 1]; codes[0] = [-1, 1] (top left), codes[8] = [1, -1] (bottom right)
 * ```
 * @category Visualization
 */
export function latentManifoldCodes(latentDim: number, options: LatentManifoldOptions = {}): LatentManifoldCodes {
  const where = 'latentManifold';
  const { steps = 20, dims = [0, 1], quantiles = [0.05, 0.95], range, fixed } = options;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new ConfigError(
      `${where}: steps must be a positive integer, got ${String(steps)}. Pass e.g. { steps: 20 }.`,
      {
        field: 'options.steps',
        expected: 'a positive integer',
        got: steps,
      },
    );
  }
  if (latentDim < 2) {
    throw new ConfigError(
      `${where}: the manifold needs a latent space of at least 2 dimensions, got latentDim ${latentDim}.`,
      {
        field: 'latentDim',
        expected: 'at least 2',
        got: latentDim,
      },
    );
  }
  const [dx, dy] = dims;
  if (![dx, dy].every((d) => Number.isInteger(d) && d >= 0 && d < latentDim) || dx === dy) {
    throw new ConfigError(
      `${where}: dims must be two different latent dimensions in [0, ${latentDim - 1}], got [${dims.join(', ')}]. Pass e.g. { dims: [0, 1] }.`,
      { field: 'options.dims', expected: `two different integers in [0, ${latentDim - 1}]`, got: dims },
    );
  }
  if (fixed !== undefined && (fixed.length !== latentDim || !Array.from(fixed).every(Number.isFinite))) {
    throw new ConfigError(`${where}: fixed must hold ${latentDim} finite numbers, got ${fixed.length}.`, {
      field: 'options.fixed',
      expected: `${latentDim} finite numbers`,
      got: fixed.length,
    });
  }
  let values: number[];
  if (range !== undefined) {
    const [lo, hi] = typeof range === 'number' ? [-range, range] : range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new ConfigError(`${where}: range must be r > 0 or [lo, hi] with lo < hi, got ${JSON.stringify(range)}.`, {
        field: 'options.range',
        expected: 'a positive number or [lo, hi]',
        got: range,
      });
    }
    values = Array.from({ length: steps }, (_, i) =>
      steps === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (steps - 1),
    );
  } else {
    const [lo, hi] = quantiles;
    if (!(lo > 0 && hi < 1 && lo < hi)) {
      throw new ConfigError(
        `${where}: quantiles must be [lo, hi] with 0 < lo < hi < 1, got ${JSON.stringify(quantiles)}. Pass e.g. { quantiles: [0.05, 0.95] }.`,
        { field: 'options.quantiles', expected: '0 < lo < hi < 1', got: quantiles },
      );
    }
    values = Array.from({ length: steps }, (_, i) =>
      normalQuantile(steps === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (steps - 1)),
    );
  }
  const base = fixed === undefined ? new Array<number>(latentDim).fill(0) : Array.from(fixed);
  const codes: number[][] = [];
  for (let row = 0; row < steps; row++) {
    for (let col = 0; col < steps; col++) {
      const code = base.slice();
      code[dx] = values[col]!;
      code[dy] = values[steps - 1 - row]!;
      codes.push(code);
    }
  }
  return { codes, values };
}

/**
 * Decodes a grid over two latent dimensions into one picture: the learned manifold.
 *
 * With a 2-D latent this is the classic picture of how digits morph across the latent plane;
 * with a larger latent, two chosen `dims` vary and the rest stay at `fixed` (the prior mean by
 * default). The grid sits at evenly spaced Gaussian quantiles by default, or evenly over a
 * `range`. `dims[0]` grows left to right and `dims[1]` bottom to top. All tensors made here are
 * disposed.
 *
 * @param decoder - A VAE-like object or a decode function `z => mean`.
 * @param options - Grid placement, decoding and layout (padding defaults to 0 here).
 * @returns A new RGBA picture of `steps x steps` decoded images.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @throws `ShapeError` (from `@vae/core`) when the decoder's output is not a batch of images (pass `imageShape` for flat outputs).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { latentManifold } from '@vae/viz';
 *
 * // Any decoder works: here z -> a 4x4 image of sigmoid(z0 + z1).
 * const decode = (z: tf.Tensor2D) =>
 *   tf.tidy(() => tf.tile(tf.reshape(tf.sigmoid(tf.sum(z, 1)), [-1, 1, 1, 1]), [1, 4, 4, 1]));
 * const picture = latentManifold(decode, { steps: 10, range: 3, scale: 2 });
 * ```
 * @category Visualization
 */
export function latentManifold(decoder: VAELike | DecodeFn, options: LatentManifoldOptions = {}): RgbaImage {
  const where = 'latentManifold';
  const settings = resolveGridSettings(where, { ...options, padding: options.padding ?? 0, columns: undefined });
  const latentDim = resolveLatentDim(where, decoder, options.latentDim);
  const { codes } = latentManifoldCodes(latentDim, options);
  const batch = decodeCodes(where, decoder, codes, options);
  return layoutGrid(batch, { ...settings, columns: options.steps ?? 20 });
}
