import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * What an encoder or decoder function receives beside its input.
 *
 * @category Models
 */
export interface NetworkContext {
  /** `true` during training steps (dropout and similar layers active). */
  training: boolean;
  /** One-hot labels `[batch, numClasses]` for conditional models; `undefined` otherwise. */
  labels?: tf.Tensor2D;
}

/**
 * An encoder written as a function: maps `x` `[batch, ...inputShape]` to `[mean, logVar]` (or
 * `{ mean, logVar }`), each `[batch, latentDim]`. It must be synchronous and differentiable;
 * pass the variables it learns to `buildVAE({ variables })`. A VAE with a function encoder
 * cannot be saved: build the network as a `tf.LayersModel` for that.
 *
 * @category Models
 */
export type EncoderFunction = (
  x: tf.Tensor,
  context: NetworkContext,
) =>
  | [tf.Tensor, tf.Tensor]
  | {
      /** Posterior means, `[batch, latentDim]`. */
      mean: tf.Tensor;
      /** Posterior log-variances, `[batch, latentDim]`. */
      logVar: tf.Tensor;
    };

/**
 * A decoder written as a function: maps `z` `[batch, latentDim]` to the likelihood's parameters
 * `[batch, ...paramShape]` (logits for Bernoulli). Same rules as {@link EncoderFunction}.
 *
 * @category Models
 */
export type DecoderFunction = (z: tf.Tensor, context: NetworkContext) => tf.Tensor;

/** Duck-typed check for a tfjs LayersModel (works across duplicated installs). */
export function isLayersModel(value: unknown): value is tfl.LayersModel {
  const v = value as tfl.LayersModel | null;
  return (
    typeof value === 'object' &&
    v !== null &&
    typeof v.apply === 'function' &&
    Array.isArray(v.inputs) &&
    Array.isArray(v.outputs) &&
    Array.isArray(v.layers)
  );
}
