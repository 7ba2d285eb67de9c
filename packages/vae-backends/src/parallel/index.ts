/**
 * Node-only parts of `@vae/backends`: the data-parallel trainer underneath the worker engine, for
 * models of your own. {@link createParallelTrainer} starts one replica per worker thread (built by
 * a module of yours, see {@link ReplicaModule}) and trains them as one model. To train a `VAE` of
 * `@vae/core` on worker threads, pass `workerEngine()` (or `autoEngine()`) from `@vae/backends`
 * to `vae.fit`; `useBackend` makes the automatic choice the default. Types this entry shares with
 * the main entry (the fused step's model spec, the strategy names) are imported from
 * `@vae/backends`.
 *
 * @packageDocumentation
 */

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
