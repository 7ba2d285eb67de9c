/**
 * Node-only parts of `@vae/backends`: data-parallel training on every core with
 * `worker_threads`. {@link fitParallel} trains a `VAE` of `@vae/core` like `vae.fit`, on all
 * cores; {@link createParallelTrainer} is the engine underneath, for models of your own.
 *
 * @packageDocumentation
 */

export type { DenseVaeActivation, DenseVaeLikelihood, DenseVaeSpec } from './dense-vae-spec.js';
export type { FitParallelOptions } from './fit-parallel.js';
export { fitParallel } from './fit-parallel.js';
export type {
  ParallelBatch,
  ParallelOptimizerSlot,
  ParallelOptimizerState,
  ParallelStepOptions,
  ParallelStepResult,
  ParallelTrainer,
  ParallelTrainerOptions,
} from './parallel-trainer.js';
export { createParallelTrainer } from './parallel-trainer.js';
export type { ArrayTensor } from './protocol.js';
export type { Replica, ReplicaLoss, ReplicaModule } from './replica.js';
export { denseVaeSpecOf } from './vae-replica.js';
