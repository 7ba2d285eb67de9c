// The two ways the parallel trainer runs a step, behind one interface: tfjs-autodiff replicas
// (any model: each worker differentiates its rows, gradients meet in shared memory) and the fused
// MLP step (MLP VAEs on wasm: our SIMD kernels in memory all workers share, no autodiff).
import { BackendError, ConfigError } from '@vae/core';
import type { MlpVAEHost } from './mlp-vae-host.js';
import type {
  ParallelOptimizerState,
  ParallelStepOptions,
  ParallelStepResult,
  ParallelStrategyName,
} from './parallel-trainer.js';
import type { ArrayTensor, FromWorker, OptimizerGroup } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

/** What the trainer asks of a strategy; the trainer has validated the batch and the options. */
export interface TrainingStrategy {
  readonly name: ParallelStrategyName;
  step(arrays: Record<string, ArrayTensor>, rows: number, options: ParallelStepOptions): Promise<ParallelStepResult>;
  getWeights(): Promise<Float32Array[]>;
  setWeights(values: readonly Float32Array[]): Promise<void>;
  getOptimizerState(): Promise<ParallelOptimizerState>;
  setOptimizerState(state: ParallelOptimizerState): Promise<void>;
}

/** Sums the workers' losses and metrics (each already weighted by its share of the batch). */
function sumResults(replies: FromWorker[]): ParallelStepResult {
  const out: ParallelStepResult = { loss: 0, metrics: {} };
  for (const r of replies as Extract<FromWorker, { type: 'stepped' }>[]) {
    out.loss += r.loss;
    for (const [name, value] of Object.entries(r.metrics)) out.metrics[name] = (out.metrics[name] ?? 0) + value;
  }
  return out;
}

/**
 * Each worker computes the gradient of its rows with tfjs autodiff; each variable's owner sums
 * the gradients, applies its optimizer and publishes the new values.
 */
export function autodiffReplicas(pool: WorkerPool, sizes: readonly number[]): TrainingStrategy {
  return {
    name: 'autodiff',
    async step(arrays, rows, options) {
      const names = Object.keys(arrays);
      const count = pool.count;
      // Each barrier of a step takes one generation: clipping adds one for the global norm.
      const generation = pool.reserve(options.clipNorm === undefined ? 2 : 3);
      const bounds = Array.from({ length: count + 1 }, (_, i) => Math.floor((i * rows) / count));
      const weights = bounds.slice(1).map((end, i) => (end - (bounds[i] as number)) / rows);
      const replies = await Promise.all(
        pool.handles.map((h, i) => {
          const start = bounds[i] as number;
          const end = bounds[i + 1] as number;
          const shard: Record<string, ArrayTensor> = {};
          for (const name of names) {
            const a = arrays[name] as ArrayTensor;
            const width = a.values.length / rows;
            shard[name] = {
              values: a.values.slice(start * width, end * width),
              shape: [end - start, ...a.shape.slice(1)],
            };
          }
          return h.request({
            type: 'step',
            batch: shard,
            weights,
            generation,
            ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }),
            ...(options.scalars === undefined ? {} : { scalars: { ...options.scalars } }),
            ...(options.clipNorm === undefined ? {} : { clipNorm: options.clipNorm }),
          });
        }),
      );
      return sumResults(replies);
    },
    async getWeights() {
      const reply = (await pool.first({ type: 'get-weights' })) as Extract<FromWorker, { type: 'weights' }>;
      return reply.values;
    },
    async setWeights(values) {
      await pool.all(() => ({ type: 'set-weights', values: values.map((v) => Float32Array.from(v)) }));
    },
    async getOptimizerState() {
      const replies = (await pool.all(() => ({ type: 'get-optimizer' }))) as Extract<
        FromWorker,
        { type: 'optimizer' }
      >[];
      const owners = replies.filter((r) => r.owned.length > 0);
      const first = owners[0] ?? (replies[0] as Extract<FromWorker, { type: 'optimizer' }>);
      const kinds = first.groups.length;
      if (owners.some((r) => r.groups.length !== kinds)) {
        throw new ConfigError(
          `ParallelTrainer.getOptimizerState: the workers' optimizers hold different slot kinds (${owners.map((r) => r.groups.length).join(' vs ')}). Use the same optimizer in every replica.`,
          { field: 'optimizer', expected: 'the same optimizer everywhere', got: owners.map((r) => r.groups.length) },
        );
      }
      const slots = Array.from({ length: kinds }, (_, g) => ({
        suffix: (first.groups[g] as OptimizerGroup).suffix,
        values: sizes.map((size) => new Float32Array(size)),
      }));
      for (const reply of owners) {
        reply.groups.forEach((group, g) => {
          for (const k of reply.owned)
            (slots[g] as (typeof slots)[number]).values[k] = group.values[k] as Float32Array<ArrayBuffer>;
        });
      }
      return {
        className: first.className,
        config: first.config,
        iterations: Math.max(...owners.map((r) => r.iterations), 0),
        slots,
      };
    },
    async setOptimizerState(state) {
      const groups: OptimizerGroup[] = state.slots.map((slot) => ({
        suffix: slot.suffix,
        values: Object.fromEntries(slot.values.map((v, k) => [k, v])),
      }));
      await pool.all(() => ({ type: 'set-optimizer', iterations: state.iterations, groups }));
    },
  };
}

/** Hands the host's shared memory to every worker; whether all of them bound their kernels to it. */
export async function shareMlpMemory(pool: WorkerPool, host: MlpVAEHost): Promise<boolean> {
  const replies = (await pool.all(() => ({
    type: 'dense-memory',
    memory: host.memory,
    capacity: host.layout.capacity,
  }))) as Extract<FromWorker, { type: 'dense-ready' }>[];
  return replies.every((r) => r.ok);
}

/**
 * The fused MLP step: the main thread writes the batch into the memory the workers share, the
 * workers run forward, backward and Adam with our SIMD kernels; weights and Adam's state are read
 * and written in that memory directly.
 */
export function fusedMlpStep(pool: WorkerPool, host: MlpVAEHost): TrainingStrategy {
  return {
    name: 'fused-mlp',
    async step(arrays, rows, options) {
      if (host.needsRoomFor(rows)) {
        host.grow(rows);
        if (!(await shareMlpMemory(pool, host))) {
          throw new BackendError(
            'ParallelTrainer.step: a worker could not bind its kernels to the larger shared memory.',
            { backend: 'wasm' },
          );
        }
      }
      host.writeBatch(arrays, rows);
      const generation = pool.reserve(options.clipNorm === undefined ? 2 : 3);
      if (options.learningRate !== undefined) host.learningRate = options.learningRate;
      const replies = await pool.all(() => ({
        type: 'dense-step',
        generation,
        rows,
        learningRate: host.learningRate,
        klWeight: options.scalars?.klWeight ?? 1,
        iteration: host.iterations + 1,
        ...(options.clipNorm === undefined ? {} : { clipNorm: options.clipNorm }),
      }));
      host.iterations += 1;
      return sumResults(replies);
    },
    async getWeights() {
      return host.weights();
    },
    async setWeights(values) {
      host.setWeights(values);
    },
    async getOptimizerState() {
      return host.optimizerState();
    },
    async setOptimizerState(state) {
      host.setOptimizerState(state);
    },
  };
}
