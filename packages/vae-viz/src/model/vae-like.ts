import type * as tf from '@tensorflow/tfjs-core';
import type { EpochLogs } from '@vae/core';

/**
 * Options a {@link VAELike} accepts on `encode` and `decode`: the labels of a conditional model.
 *
 * @category Visualization
 */
export interface VAECallOptions {
  /** Labels of a conditional model, in the form the model expects (one-hot `[batch, numClasses]` by default). */
  labels?: tf.Tensor | undefined;
}

/**
 * The Gaussian posterior an encoder returns.
 *
 * @category Visualization
 */
export interface PosteriorLike {
  /** Posterior mean, `[batch, latentDim]`. */
  mean: tf.Tensor2D;
  /** Posterior log-variance, `[batch, latentDim]`. */
  logVar: tf.Tensor2D;
}

/**
 * The part of a VAE that the pictures need. `@vae/core`'s `VAE` satisfies it; so does any object
 * with the same members, which keeps this package free of a hard dependency on the model class.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import type { VAELike } from '@vae/viz';
 *
 * // A toy "VAE" whose decoder paints z[0] as a 2x2 gray image.
 * const toy: VAELike = {
 *   latentDim: 2,
 *   encode: (x) => ({ mean: tf.zeros([x.shape[0], 2]), logVar: tf.zeros([x.shape[0], 2]) }),
 *   decode: (z) => tf.tidy(() => tf.tile(tf.reshape(tf.sigmoid(tf.slice(z, [0, 0], [-1, 1])), [-1, 1, 1, 1]), [1, 2, 2, 1])),
 * };
 * ```
 *
 * @category Visualization
 */
export interface VAELike {
  /** Size of the latent code. */
  readonly latentDim: number;
  /** Number of classes of a conditional model; absent or `0` for an unconditional one. */
  readonly numClasses?: number;
  /**
   * Encodes `x` (`[batch, ...dataShape]`) into the posterior's `mean` and `logVar`, each
   * `[batch, latentDim]`. Returns new tensors that the caller disposes.
   */
  encode(x: tf.Tensor, options?: VAECallOptions): PosteriorLike;
  /**
   * Decodes `z` (`[batch, latentDim]`) to the likelihood's mean in data space: `[batch, h, w, c]`
   * or `[batch, d]`, values in `[0, 1]` for images. Returns a new tensor the caller disposes.
   */
  decode(z: tf.Tensor2D, options?: VAECallOptions): tf.Tensor;
}

/**
 * A decoder as a plain function: `z` `[batch, latentDim]` in, the data-space mean out (a new
 * tensor the caller disposes).
 *
 * @category Visualization
 */
export type DecodeFn = (z: tf.Tensor2D) => tf.Tensor;

/**
 * A training history: an array of per-epoch logs, or an object carrying them as `epochs` (what
 * `vae.fit()` returns). Each record is any subset of `@vae/core`'s {@link @vae/core!EpochLogs}
 * (in nats per example; when `epoch` is absent the position in the history, from 1, is used),
 * and may carry other numeric keys, which are kept but not plotted.
 *
 * @category Visualization
 */
export type HistoryLike =
  | ReadonlyArray<Partial<EpochLogs> & Readonly<Record<string, number | undefined>>>
  | HistoryObject
  | ColumnHistory;

/**
 * A history kept column by column, as a `tf.LayersModel.fit()` `History` is:
 * `{ epoch: [0, 1], history: { loss: [...], val_loss: [...] } }`. Snake-case keys (`val_loss`)
 * are read as their camel-case names (`valLoss`); epochs counted from 0 are shown from 1.
 *
 * @category Visualization
 */
export interface ColumnHistory {
  /** Epoch numbers, one per entry of each column. */
  readonly epoch: readonly number[];
  /** One array of values per logged metric. */
  readonly history: Readonly<Record<string, readonly number[]>>;
}

/**
 * A history object that carries its per-epoch logs as `epochs`, like the one `vae.fit()` returns;
 * or epoch numbers as `epochs` with the records as `logs`.
 *
 * @category Visualization
 */
export interface HistoryObject {
  /** One log record per epoch, in order; or the epoch numbers when `logs` holds the records. */
  readonly epochs: ReadonlyArray<Partial<EpochLogs> & Readonly<Record<string, number | undefined>>> | readonly number[];
  /** The records, one per entry of `epochs`, when `epochs` holds epoch numbers. */
  readonly logs?: ReadonlyArray<Partial<EpochLogs> & Readonly<Record<string, number | undefined>>>;
}
