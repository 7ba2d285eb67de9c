import type * as tf from '@tensorflow/tfjs-core';
import type { MlpVAESpec } from './mlp-vae-spec.js';
import type { ParallelStepOptions, ParallelTrainer } from './parallel-trainer.js';

/**
 * One copy of a model inside a training worker: what {@link ReplicaModule.createReplica}
 * returns. Every worker builds its own; they must list the same variables in the same order.
 *
 * @category Parallel training
 */
export interface Replica {
  /** The trainable variables, in a fixed order (e.g. `[...encoder.trainableWeights, ...]`). */
  readonly variables: readonly tf.Variable[];
  /**
   * The loss of one shard of the batch, as a MEAN over its examples (the trainer weights each
   * shard by its size, so the result equals the loss of the whole batch). Tensors of the batch
   * carry the names given to {@link ParallelTrainer.step}; they are disposed by the trainer.
   * `scalars` are the step's {@link ParallelStepOptions.scalars} (e.g. a KL weight), `{}` when
   * none were given. Return `{ loss, metrics }` to report more per-shard means (e.g. the terms
   * of the loss); they are averaged like the loss.
   */
  loss(batch: Record<string, tf.Tensor>, scalars: Readonly<Record<string, number>>): tf.Scalar | ReplicaLoss;
  /**
   * The optimizer that applies the averaged gradients. Each worker applies it to the variables
   * it owns, so it must update each variable on its own (every tfjs optimizer does).
   *
   * @defaultValue `tf.train.adam(1e-3)`
   */
  readonly optimizer?: tf.Optimizer;
  /**
   * Declares the model an MLP VAE that {@link MlpVAESpec} describes, with `loss` and
   * `variables` as that spec promises and Adam as the optimizer. On wasm workers the trainer then
   * runs each step with its fused MLP kernels in memory the workers share (unless
   * {@link ParallelTrainerOptions.strategy} is `'autodiff'`), the same training to float32
   * rounding, without tfjs autodiff; `loss` is not called.
   *
   * @defaultValue undefined (every step runs `loss` under tfjs autodiff)
   */
  readonly mlpVAE?: MlpVAESpec;
}

/**
 * What a {@link Replica.loss} may return instead of a scalar: the loss to differentiate and
 * other means over the shard, reported by {@link ParallelTrainer.stepWithMetrics}.
 *
 * @category Parallel training
 */
export interface ReplicaLoss {
  /** The loss to minimize, a mean over the shard's examples. */
  loss: tf.Scalar;
  /** Other means over the shard's examples, by name (not differentiated). */
  metrics: Record<string, tf.Scalar>;
}

/**
 * The module a {@link ParallelTrainerOptions.replica} URL points to: each worker imports it
 * and calls `createReplica`.
 *
 * @example
 * ```ts
 * // my-replica.ts, built to my-replica.js
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import type { Replica } from '@vae/backends/node';
 *
 * export function createReplica(options: { units: number }): Replica {
 *   const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: options.units })] });
 *   return {
 *     variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
 *     loss: ({ x, y }) => tf.mean(tf.square(tf.sub(model.apply(x) as tf.Tensor, y))) as tf.Scalar,
 *   };
 * }
 * ```
 * @category Parallel training
 */
export interface ReplicaModule {
  /** Builds the worker's replica from the trainer's `replicaOptions`. */
  createReplica(options: unknown): Replica | Promise<Replica>;
}
