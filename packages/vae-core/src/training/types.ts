import type * as tf from '@tensorflow/tfjs-core';
import type { VAEDestination } from '../io/save-vae.js';
import type { LossOptions, LossTerms } from '../models/vae.js';

/**
 * The part of a model's configuration the training loop reads.
 *
 * @category Training
 */
export interface TrainableConfig {
  /** The constant weight on the KL term (beta-VAE), logged with every epoch. */
  readonly beta?: number;
}

/**
 * What the training loop needs from a model. The `VAE` of this package implements it; a custom
 * model that does can be trained with {@link fitVAE} too.
 *
 * @category Training
 */
export interface TrainableVAE {
  /** The variables the optimizer updates, in a stable order. */
  readonly trainableVariables: tf.Variable[];
  /** Classes of a conditional model; 0 or absent when unconditional (labels in the data are then ignored). */
  readonly numClasses?: number;
  /** The model's configuration; `beta` is logged when present. */
  readonly config: TrainableConfig;
  /**
   * The loss terms of a batch; synchronous, so it can run inside `optimizer.minimize`.
   *
   * @param x - A batch `[batch, ...inputShape]`.
   * @param options - Labels, KL weight, seed and training mode.
   * @returns New scalar tensors owned by the caller.
   */
  lossTerms(x: tf.Tensor, options?: LossOptions): LossTerms;
  /**
   * Saves the model with extra training state beside it.
   *
   * @param destination - A URL (`file://`, `indexeddb://`, ...) or `{ encoder, decoder }` tf.io handlers.
   * @param options - JSON training state and extra binary files.
   */
  save(
    destination: VAEDestination,
    options?: { trainingState?: unknown; extraFiles?: Record<string, Uint8Array> },
  ): Promise<unknown>;
}
