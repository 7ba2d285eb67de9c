/**
 * Node-only parts of `@vae/backends`: data-parallel training on every core with
 * `worker_threads`.
 *
 * @packageDocumentation
 */

export type {
  ParallelBatch,
  ParallelStepOptions,
  ParallelStepResult,
  ParallelTrainer,
  ParallelTrainerOptions,
} from './parallel-trainer.js';
export { createParallelTrainer } from './parallel-trainer.js';
export type { ArrayTensor } from './protocol.js';
export type { Replica, ReplicaLoss, ReplicaModule } from './replica.js';
