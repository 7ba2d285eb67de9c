import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type InterpolationMethod } from '@vae/core';
import { isTensor } from '../image/image-batch.js';
import { type ImageGridOptions, layoutGrid, resolveGridSettings } from '../image/image-grid.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { encodeMean } from '../model/conditioning.js';
import type { VAELike } from '../model/vae-like.js';
import { type DecodeOptions, decodeCodes, readCodes } from './decode-codes.js';
import { interpolateCodes } from './interpolate.js';

/**
 * Options of {@link interpolationStrip}.
 *
 * @category Visualization
 */
export interface InterpolationStripOptions extends DecodeOptions, Omit<ImageGridOptions, 'columns' | 'imageShape'> {
  /**
   * Images per strip, both ends included.
   * @defaultValue `10`
   */
  steps?: number;
  /**
   * `'linear'` or `'spherical'` (see {@link interpolateCodes}).
   * @defaultValue `'linear'`
   */
  method?: InterpolationMethod;
  /**
   * Whether `a` and `b` are data to encode (`'data'`: their posterior means are the ends) or
   * latent codes (`'latent'`: `[n, latentDim]` tensors or arrays).
   * @defaultValue `'data'`
   */
  from?: 'data' | 'latent';
}

/** Reads one side of an interpolation as codes, encoding data through the VAE when asked. */
export function endpointCodes(
  where: string,
  argument: string,
  vae: VAELike,
  value: tf.Tensor | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
  from: 'data' | 'latent',
  options: DecodeOptions,
): number[][] {
  if (from === 'latent') return readCodes(where, argument, value, vae.latentDim);
  if (from !== 'data') {
    throw new ConfigError(`${where}: from must be 'data' or 'latent', got ${String(from)}.`, {
      field: 'options.from',
      expected: "'data' or 'latent'",
      got: from,
    });
  }
  if (!isTensor(value)) {
    throw new ConfigError(
      `${where}: ${argument} must be a tensor of examples [n, ...dataShape] to encode, got an array. Pass { from: 'latent' } for latent codes.`,
      { field: argument, expected: 'a tensor', got: typeof value },
    );
  }
  const mean = encodeMean(where, vae, value, options);
  try {
    return readCodes(where, argument, mean, vae.latentDim);
  } finally {
    tf.dispose(mean);
  }
}

/**
 * Decodes a walk between two points of the latent space: one strip of `steps` images per pair.
 *
 * By default `a` and `b` are examples (`[n, ...dataShape]`, or one example as `[1, ...]`): each is
 * encoded to its posterior mean and the strip runs from one mean to the other, so the ends are the
 * VAE's reconstructions of `a` and `b`. With `{ from: 'latent' }` they are codes. `n` pairs give
 * `n` rows. All tensors made here are disposed.
 *
 * @param vae - A VAE-like object.
 * @param a - Start examples or codes; not disposed.
 * @param b - End examples or codes, as many as `a`; not disposed.
 * @param options - Steps, method, decoding and layout.
 * @returns A new RGBA picture with `n` rows of `steps` images.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range or `a` and `b` differ in count.
 * @throws `ShapeError` (from `@vae/core`) when codes do not match the latent size or the output is not images.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildMlpVAE } from '@vae/core';
 * import { interpolationStrip } from '@vae/viz';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2 }); // or your trained model
 * const x = tf.randomUniform([2, 8, 8, 1]); // two images to morph between
 * const strip = interpolationStrip(vae, tf.slice(x, 0, 1), tf.slice(x, 1, 1), { steps: 8, method: 'spherical' });
 * ```
 * @category Visualization
 */
export function interpolationStrip(
  vae: VAELike,
  a: tf.Tensor | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
  b: tf.Tensor | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
  options: InterpolationStripOptions = {},
): RgbaImage {
  const where = 'interpolationStrip';
  const { steps = 10, method = 'linear', from = 'data' } = options;
  const settings = resolveGridSettings(where, { ...options, columns: undefined });
  const starts = endpointCodes(where, 'a', vae, a, from, options);
  const ends = endpointCodes(where, 'b', vae, b, from, options);
  if (starts.length !== ends.length) {
    throw new ConfigError(`${where}: a and b must hold as many examples, got ${starts.length} and ${ends.length}.`, {
      field: 'b',
      expected: `${starts.length} examples`,
      got: ends.length,
    });
  }
  const codes = starts.flatMap((start, i) => interpolateCodes(start, ends[i]!, steps, method));
  const labels = options.labels === undefined ? undefined : repeatRows(options.labels, steps);
  try {
    const batch = decodeCodes(where, vae, codes, { ...options, labels });
    return layoutGrid(batch, { ...settings, columns: steps });
  } finally {
    labels?.dispose();
  }
}

/** Repeats each row of `labels` `times` times (one label per image of a strip). */
function repeatRows(labels: tf.Tensor, times: number): tf.Tensor {
  return tf.tidy(() => {
    const n = labels.shape[0]!;
    const rest = labels.shape.slice(1);
    const expanded = tf.expandDims(labels, 1);
    const tiled = tf.tile(expanded, [1, times, ...rest.map(() => 1)]);
    return tf.reshape(tiled, [n * times, ...rest]);
  });
}
