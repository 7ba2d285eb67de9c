import type * as tf from '@tensorflow/tfjs-core';

/**
 * Options of {@link TrainableVAE.lossTerms}.
 *
 * @category Training
 */
export interface LossTermsOptions {
  /** Labels for conditional models: class ids `[batch]` or one-hot `[batch, classes]`. */
  labels?: tf.Tensor;
  /** Weight on the KL term (warm-up); multiplies the model's beta. */
  klWeight?: number;
  /** Seed for the reparameterization noise. */
  seed?: number;
  /** Whether layers such as dropout run in training mode. */
  training?: boolean;
}

/**
 * The loss terms of a batch, scalars in nats per example (means over the batch).
 *
 * @category Training
 */
export interface LossTerms {
  /** `reconstruction + klWeight * beta * kl`. */
  total: tf.Scalar;
  /** `-log p(x | z)`, summed over data dimensions. */
  reconstruction: tf.Scalar;
  /** `KL(q(z | x) || p(z))`, summed over latent dimensions. */
  kl: tf.Scalar;
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
  /** The model's configuration; `beta` is logged when present. */
  readonly config: { readonly beta?: number };
  /**
   * The loss terms of a batch; synchronous, so it can run inside `optimizer.minimize`.
   *
   * @param x - A batch `[batch, ...inputShape]`.
   * @param options - Labels, KL weight, seed and training mode.
   * @returns New scalar tensors owned by the caller.
   */
  lossTerms(x: tf.Tensor, options?: LossTermsOptions): LossTerms;
  /**
   * Saves the model with extra training state beside it.
   *
   * @param destination - A URL (`file://`, `indexeddb://`, ...) or a tf.io handler.
   * @param options - JSON training state and extra binary files.
   */
  save(
    destination: string | tf.io.IOHandler,
    options?: { trainingState?: unknown; extraFiles?: Record<string, Uint8Array> },
  ): Promise<unknown>;
}
