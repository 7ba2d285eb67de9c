import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DisposedError, ShapeError } from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import { MlpVAEHost } from './mlp-vae-host.js';
import { checkMlpVAESpec } from './mlp-vae-spec.js';
import type { ArrayTensor, FromWorker } from './protocol.js';
import type { ReplicaLoss } from './replica.js';
import { autodiffReplicas, fusedMlpStep, shareMlpMemory, type TrainingStrategy } from './strategies.js';
import { availableCores, WorkerPool } from './worker-pool.js';

/**
 * Settings for {@link createParallelTrainer}.
 *
 * @category Parallel training
 */
export interface ParallelTrainerOptions {
  /**
   * The module every worker imports to build its replica (a file URL, an absolute path, or a
   * package specifier resolvable from the worker); see {@link ReplicaModule}.
   */
  replica: string | URL;
  /**
   * Passed to the module's `createReplica` in every worker; must survive `structuredClone`.
   *
   * @defaultValue `undefined`
   */
  replicaOptions?: unknown;
  /**
   * How many workers (replicas) to run; each uses one core.
   *
   * @defaultValue `os.availableParallelism()`
   */
  workers?: number;
  /**
   * The backend each worker activates with `useBackend` (from `@vae/backends`).
   *
   * @defaultValue `'wasm'` (with this package's training kernels)
   */
  backend?: BackendName;
  /**
   * The worker script. Only needed when running this package from its TypeScript sources.
   *
   * @defaultValue the `parallel-worker.js` shipped next to this entry
   */
  workerScript?: string | URL;
  /**
   * How a step runs: `'fused-mlp'` (our SIMD kernels in memory the workers share, no tfjs
   * autodiff; only for a replica that declares {@link Replica.mlpVAE}, on wasm workers, with
   * Adam), `'autodiff'` (each worker runs the replica's `loss` under tfjs autodiff), or `'auto'`
   * (the fused step where it can run, autodiff otherwise, with the reason in
   * {@link ParallelTrainer.strategyReason}). Asking for `'fused-mlp'` where it cannot run is a
   * `ConfigError` naming the reason.
   *
   * @defaultValue `'auto'`
   */
  strategy?: ParallelStrategyName | 'auto';
}

/**
 * How the parallel trainer runs a step: the fused MLP step, or tfjs-autodiff replicas.
 *
 * @category Parallel training
 */
export type ParallelStrategyName = 'fused-mlp' | 'autodiff';

/**
 * A batch for {@link ParallelTrainer.step}: named tensors (or plain arrays with a shape), all
 * with the examples along the first axis. The trainer splits them across the workers.
 *
 * @category Parallel training
 */
export type ParallelBatch = Record<string, tf.Tensor | ArrayTensor>;

/**
 * Per-step settings of {@link ParallelTrainer.step}.
 *
 * @category Parallel training
 */
export interface ParallelStepOptions {
  /**
   * The learning rate to set on every replica's optimizer before this step's update (a
   * schedule's value for the step).
   *
   * @defaultValue the optimizer's current rate, unchanged
   */
  learningRate?: number;
  /**
   * Numbers handed to the replica's `loss` as its second argument (e.g. `{ klWeight: 0.3 }`).
   *
   * @defaultValue `{}`
   */
  scalars?: Record<string, number>;
  /**
   * Scale the averaged gradient so that its global L2 norm (over every variable) is at most
   * this, before the optimizer applies it.
   *
   * @defaultValue no clipping
   */
  clipNorm?: number;
}

/**
 * The optimizer state of every replica gathered by {@link ParallelTrainer.getOptimizerState}:
 * what one optimizer training all the variables would hold.
 *
 * @category Parallel training
 */
export interface ParallelOptimizerState {
  /** The optimizer's tfjs class name, e.g. `'Adam'`. */
  className: string;
  /** The optimizer's `getConfig()` (learning rate, betas...). */
  config: Record<string, unknown>;
  /** Optimizer steps taken. */
  iterations: number;
  /**
   * The optimizer's per-variable slots by kind, in the optimizer's own order (Adam: the first
   * moments, then the second ones); empty before the first step.
   */
  slots: ParallelOptimizerSlot[];
}

/**
 * One kind of per-variable optimizer slot in a {@link ParallelOptimizerState} (Adam's first
 * moments, say).
 *
 * @category Parallel training
 */
export interface ParallelOptimizerSlot {
  /** What the optimizer appends to a variable's name for this slot, e.g. `'/m'`. */
  suffix: string;
  /** One array per variable, in the replica's variable order. */
  values: Float32Array[];
}

/**
 * What {@link ParallelTrainer.stepWithMetrics} returns.
 *
 * @category Parallel training
 */
export interface ParallelStepResult {
  /** The batch's mean loss before the update. */
  loss: number;
  /** The batch means of the metrics the replica's loss reported, by name. */
  metrics: Record<string, number>;
}

/**
 * Data-parallel training on several cores: one replica of the model per worker thread, the
 * batch split between them, gradients averaged through shared memory.
 *
 * @category Parallel training
 */
export interface ParallelTrainer {
  /** How many workers run. */
  readonly workers: number;
  /** The backend the workers use. */
  readonly backend: BackendName;
  /** The number of values in each variable, in the replica's order. */
  readonly variableSizes: readonly number[];
  /** How steps run (see {@link ParallelTrainerOptions.strategy}). */
  readonly strategy: ParallelStrategyName;
  /**
   * Why steps run with tfjs autodiff although the replica declared an MLP VAE (for example
   * "the workers run on cpu"); `undefined` when the fused step runs or was not possible to ask for.
   */
  readonly strategyReason: string | undefined;
  /**
   * One training step on a batch: each worker computes the gradient of its rows, the gradients
   * are averaged (weighted by rows), each variable is updated once by its owner worker, and the
   * new values reach every replica. A batch with fewer rows than workers leaves some workers
   * without rows; they sit the step out. When a worker's loss throws, no replica changes and
   * the step rejects with that error.
   *
   * @param batch - Named `[batch, ...]` tensors or arrays; the caller keeps ownership.
   * @param options - The learning rate and the loss's scalars for this step.
   * @returns The batch's mean loss before the update.
   * @throws `ShapeError` when the entries disagree on rows or the batch is empty;
   * `ConfigError` for a bad learning rate or scalar.
   */
  step(batch: ParallelBatch, options?: ParallelStepOptions): Promise<number>;
  /**
   * {@link ParallelTrainer.step}, also returning the batch means of the metrics the replica's
   * loss reports (see {@link ReplicaLoss}).
   *
   * @param batch - Named `[batch, ...]` tensors or arrays; the caller keeps ownership.
   * @param options - The learning rate and the loss's scalars for this step.
   * @returns The batch's mean loss (before the update) and metrics.
   * @throws As {@link ParallelTrainer.step}.
   */
  stepWithMetrics(batch: ParallelBatch, options?: ParallelStepOptions): Promise<ParallelStepResult>;
  /** The current values of the variables (copies). */
  getWeights(): Promise<Float32Array[]>;
  /** Sets the variables of every replica. */
  setWeights(values: readonly Float32Array[]): Promise<void>;
  /**
   * Gathers the optimizer state (each variable's slots live with its owner worker).
   *
   * @returns The state, as one optimizer over all the variables would hold it.
   * @throws `ConfigError` when the optimizer's slots are not one per variable and kind.
   */
  getOptimizerState(): Promise<ParallelOptimizerState>;
  /**
   * Loads an optimizer state (e.g. from a checkpoint) into the workers: each owner takes its
   * variables' slots, every worker the iteration count. Call it before the first step.
   *
   * @param state - As {@link ParallelTrainer.getOptimizerState} returns it.
   * @throws `ShapeError` when the slots do not match the variables' sizes.
   */
  setOptimizerState(state: ParallelOptimizerState): Promise<void>;
  /** Stops the workers; idempotent. */
  dispose(): Promise<void>;
}

async function toArrays(batch: ParallelBatch): Promise<Record<string, ArrayTensor>> {
  const out: Record<string, ArrayTensor> = {};
  for (const [name, value] of Object.entries(batch)) {
    if ('values' in value && 'shape' in value && !('dataId' in value)) {
      out[name] = { values: value.values, shape: [...value.shape] };
    } else {
      const t = value as tf.Tensor;
      out[name] = { values: (await t.data()) as Float32Array, shape: [...t.shape] };
    }
  }
  return out;
}

/** The file name of the worker script, next to this module once built. */
const WORKER_FILE = './parallel-worker.js';

function defaultWorkerScript(): URL {
  // Not a literal in `new URL(...)`, so bundlers of browser apps do not try to emit it.
  return new URL(WORKER_FILE, import.meta.url);
}

/**
 * Starts data-parallel training across worker threads, so training in Node uses every core
 * (the wasm backend runs one thread per process). Each worker imports `options.replica`, builds
 * a replica, and activates `options.backend`; all replicas start from worker 0's weights. A
 * step splits the batch by rows; each worker writes the gradient of its rows into a
 * `SharedArrayBuffer`; each variable has one owner worker that averages its gradient (weighted by
 * rows), applies the replica's optimizer to it and publishes the new values, which the other
 * workers copy. The result equals single-worker training on the whole batch up to float
 * rounding, as long as the loss is a mean over examples, the optimizer updates each variable
 * on its own (Adam, SGD, RMSProp... do), and any noise the loss needs (e.g. the
 * reparameterization's `eps`) comes in the batch.
 *
 * @param options - The replica module and its options, the number of workers, the backend.
 * @returns A trainer; call `dispose()` when done.
 * @throws `ConfigError` (from `@vae/core`) for a bad worker count or a replica module without
 * `createReplica`; `BackendError` when a worker fails to start.
 * @example
 * <!-- runner: skip (needs a replica module of your own, ./my-replica.js, exporting createReplica) -->
 * ```ts
 * import { createParallelTrainer } from '@vae/backends/node';
 *
 * const trainer = await createParallelTrainer({ replica: new URL('./my-replica.js', import.meta.url), workers: 2 });
 * const loss = await trainer.step({ x: xs, y: ys }); // tensors [batch, ...]
 * await trainer.dispose();
 * ```
 * @category Parallel training
 */
export async function createParallelTrainer(options: ParallelTrainerOptions): Promise<ParallelTrainer> {
  const count = options.workers ?? availableCores();
  if (!Number.isInteger(count) || count < 1) {
    throw new ConfigError(
      `createParallelTrainer: workers must be a positive integer, got ${String(count)}. Pass e.g. { workers: 2 }.`,
      { field: 'workers', expected: 'a positive integer', got: count },
    );
  }
  const asked = options.strategy ?? 'auto';
  if (!['auto', 'fused-mlp', 'autodiff'].includes(asked)) {
    throw new ConfigError(
      `createParallelTrainer: strategy must be 'auto', 'fused-mlp' or 'autodiff', got ${JSON.stringify(asked)}.`,
      { field: 'strategy', expected: "'auto', 'fused-mlp' or 'autodiff'", got: asked },
    );
  }
  const backend = options.backend ?? 'wasm';
  const replica = options.replica instanceof URL ? options.replica.href : options.replica;
  const pool = new WorkerPool(options.workerScript ?? defaultWorkerScript(), count);

  let sizes: number[];
  let strategy: TrainingStrategy;
  let strategyReason: string | undefined;
  try {
    const ready = (await pool.all((index) => ({
      type: 'init',
      replica,
      replicaOptions: options.replicaOptions,
      backend,
      index,
      workers: count,
    }))) as Extract<FromWorker, { type: 'ready' }>[];
    const first = ready[0] as Extract<FromWorker, { type: 'ready' }>;
    sizes = first.sizes;
    for (const other of ready) {
      if (other.sizes.join() !== sizes.join()) {
        throw new ConfigError(
          `createParallelTrainer: the workers built different replicas (variable sizes ${sizes.join(',')} vs ${other.sizes.join(',')}). createReplica must build the same model from the same options.`,
          { field: 'replica', expected: 'identical replicas', got: other.sizes },
        );
      }
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    // One slot per worker for its gradient, then the updated weights each owner publishes.
    const gradients = new SharedArrayBuffer(4 * total * (count + 1));
    // [0]: the barrier's arrival count; [1]: the generation of a step in which a worker failed.
    const control = new SharedArrayBuffer(8);
    // One float64 per worker: the squared norm of the gradients it owns, for clipNorm.
    const norms = new SharedArrayBuffer(8 * count);
    await pool.all(() => ({ type: 'buffers', gradients, control, norms }));
    // Start every replica from the same weights.
    const initial = (await pool.first({ type: 'get-weights' })) as Extract<FromWorker, { type: 'weights' }>;
    await Promise.all(pool.handles.slice(1).map((h) => h.request({ type: 'set-weights', values: initial.values })));

    const fused =
      asked === 'autodiff'
        ? { reason: 'the autodiff strategy was asked for' }
        : await startFused(pool, ready, initial.values);
    if ('strategy' in fused) {
      strategy = fused.strategy;
    } else {
      if (asked === 'fused-mlp') {
        throw new ConfigError(
          `createParallelTrainer: the fused MLP step cannot run: ${fused.reason}. Use strategy 'auto' or 'autodiff'.`,
          {
            field: 'strategy',
            expected: 'a replica and workers the fused MLP step runs',
            got: fused.reason,
          },
        );
      }
      strategy = autodiffReplicas(pool, sizes);
      // A reason only where the replica offered the fused step and something kept it out.
      strategyReason = ready.some((r) => r.dense !== undefined || r.mlpReason !== undefined) ? fused.reason : undefined;
    }
  } catch (error) {
    await pool.terminate();
    throw error;
  }

  let disposed = false;
  let busy: Promise<unknown> = Promise.resolve();
  const serial = <T>(method: string, f: () => Promise<T>): Promise<T> => {
    if (disposed) {
      return Promise.reject(
        new DisposedError(`ParallelTrainer.${method}: used after dispose(). Create a new trainer.`, { method }),
      );
    }
    const next = busy.then(f, f);
    busy = next.catch(() => undefined);
    return next;
  };
  const checkSizes = (where: string, what: string, values: readonly Float32Array[]) => {
    if (values.length !== sizes.length || values.some((v, i) => v.length !== sizes[i])) {
      throw new ShapeError(
        `ParallelTrainer.${where}: ${what} needs ${sizes.length} arrays of sizes ${sizes.join(', ')}, got ${values.length} of sizes ${values.map((v) => v.length).join(', ')}. Pass the values of a model with the same variables.`,
        { argument: 'values', expected: sizes, got: values.map((v) => v.length) },
      );
    }
  };

  const trainer: ParallelTrainer = {
    workers: count,
    backend,
    variableSizes: sizes,
    strategy: strategy.name,
    strategyReason,
    step: async (batch, stepOptions) => (await trainer.stepWithMetrics(batch, stepOptions)).loss,
    stepWithMetrics: (batch, stepOptions = {}) =>
      serial('step', async () => {
        checkStepOptions(stepOptions);
        const arrays = await toArrays(batch);
        return strategy.step(arrays, checkRows(arrays), stepOptions);
      }),
    getWeights: () => serial('getWeights', () => strategy.getWeights()),
    setWeights: (values) =>
      serial('setWeights', async () => {
        checkSizes('setWeights', 'the weights', values);
        await strategy.setWeights(values);
      }),
    getOptimizerState: () => serial('getOptimizerState', () => strategy.getOptimizerState()),
    setOptimizerState: (state) =>
      serial('setOptimizerState', async () => {
        for (const slot of state.slots) checkSizes('setOptimizerState', `slot '${slot.suffix}'`, slot.values);
        await strategy.setOptimizerState(state);
      }),
    dispose: async () => {
      if (disposed) return;
      await busy;
      disposed = true;
      await Promise.allSettled(pool.handles.map((h) => h.request({ type: 'dispose' })));
      await pool.terminate();
    },
  };
  return trainer;
}

/**
 * Starts the fused MLP step when every worker offers it (a replica that declares an MLP VAE,
 * on wasm, with Adam), the spec fits the variables and its memory fits; otherwise says why not.
 */
async function startFused(
  pool: WorkerPool,
  ready: Extract<FromWorker, { type: 'ready' }>[],
  initial: Float32Array[],
): Promise<{ strategy: TrainingStrategy } | { reason: string }> {
  const first = ready[0] as Extract<FromWorker, { type: 'ready' }>;
  const offer = first.dense;
  if (offer === undefined || ready.some((r) => r.dense === undefined)) {
    return { reason: first.mlpReason ?? 'the replica declares no MLP VAE' };
  }
  checkMlpVAESpec(offer.spec, first.shapes);
  const host = MlpVAEHost.tryCreate(offer.spec, offer.adam, pool.count);
  if (host === null) return { reason: 'the model is too big for one shared memory (2 GiB)' };
  host.setWeights(initial);
  if (!(await shareMlpMemory(pool, host))) {
    return { reason: 'a worker could not bind the SIMD kernels to a shared memory (no WebAssembly SIMD)' };
  }
  return { strategy: fusedMlpStep(pool, host) };
}

/** The number of rows of a batch whose entries agree on it. */
function checkRows(arrays: Record<string, ArrayTensor>): number {
  const names = Object.keys(arrays);
  const rows = arrays[names[0] as string]?.shape[0] ?? 0;
  for (const name of names) {
    const a = arrays[name] as ArrayTensor;
    if (a.shape[0] !== rows || a.values.length !== a.shape.reduce((p, q) => p * q, 1)) {
      throw new ShapeError(
        `ParallelTrainer.step: every batch entry needs the same number of rows and values matching its shape; '${name}' has shape [${a.shape.join(', ')}] and ${a.values.length} values, the batch has ${rows} rows.`,
        { argument: name, expected: [rows], got: a.shape },
      );
    }
  }
  if (rows < 1) {
    throw new ShapeError(
      `ParallelTrainer.step: the batch has no rows ('${names[0] ?? '(no entries)'}' has shape [${arrays[names[0] as string]?.shape.join(', ') ?? ''}]). Pass at least one example.`,
      { argument: names[0] ?? 'batch', expected: [1], got: arrays[names[0] as string]?.shape ?? [] },
    );
  }
  return rows;
}
function checkStepOptions(options: ParallelStepOptions): void {
  const rate = options.learningRate;
  if (rate !== undefined && !(Number.isFinite(rate) && rate >= 0)) {
    throw new ConfigError(
      `ParallelTrainer.step: learningRate must be a finite number >= 0, got ${String(rate)}. Pass e.g. { learningRate: 1e-3 }.`,
      { field: 'learningRate', expected: 'a finite number >= 0', got: rate },
    );
  }
  const clip = options.clipNorm;
  if (clip !== undefined && !(Number.isFinite(clip) && clip > 0)) {
    throw new ConfigError(
      `ParallelTrainer.step: clipNorm must be a positive finite number, got ${String(clip)}. Pass e.g. { clipNorm: 1 }.`,
      { field: 'clipNorm', expected: 'a positive finite number', got: clip },
    );
  }
  for (const [name, value] of Object.entries(options.scalars ?? {})) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError(
        `ParallelTrainer.step: scalars.${name} must be a finite number, got ${String(value)}. Pass e.g. { scalars: { ${name}: 1 } }.`,
        { field: `scalars.${name}`, expected: 'a finite number', got: value },
      );
    }
  }
}
