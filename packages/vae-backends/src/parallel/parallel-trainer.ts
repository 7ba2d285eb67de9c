import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError, DisposedError, ShapeError } from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import { DenseVaeHost } from './dense-vae-host.js';
import { checkDenseVaeSpec } from './dense-vae-spec.js';
import type { ArrayTensor, FromWorker, OptimizerGroup, ToWorker } from './protocol.js';
import type { ReplicaLoss } from './replica.js';

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
   * Train a replica that declares {@link Replica.denseVae} with the fused dense step (our SIMD
   * kernels in memory the workers share, no tfjs autodiff) when the workers run on wasm. `false`
   * runs its `loss` under tfjs autodiff like any other replica.
   *
   * @defaultValue true
   */
  fusedDenseVae?: boolean;
}

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
  /** Whether steps run the fused dense step (see {@link ParallelTrainerOptions.fusedDenseVae}). */
  readonly fusedDenseVae: boolean;
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

interface Pending {
  resolve(message: FromWorker): void;
  reject(error: unknown): void;
}

class WorkerHandle {
  private readonly queue: Pending[] = [];
  private failure: unknown;

  constructor(
    readonly worker: Worker,
    private readonly describe: string,
  ) {
    worker.on('message', (message: FromWorker) => {
      const pending = this.queue.shift();
      if (message.type === 'failed') {
        pending?.reject(this.error(message.message, message.name));
        return;
      }
      pending?.resolve(message);
    });
    worker.on('error', (error) => this.fail(this.error(error.message, error.name, error)));
    worker.on('exit', (code) => {
      if (this.queue.length > 0) this.fail(this.error(`exited with code ${code}`, 'Error'));
    });
  }

  private error(message: string, name: string, cause?: unknown): Error {
    const text = `createParallelTrainer: ${this.describe} failed: ${message}`;
    if (name === 'ConfigError')
      return new ConfigError(text, { field: 'replica', expected: 'a valid replica module', got: message });
    return new BackendError(`${text} Check the replica module and that the backend starts in a worker.`, {
      backend: 'wasm',
      ...(cause === undefined ? {} : { cause }),
    });
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }
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

function defaultWorkerScript(): URL {
  return new URL('./parallel-worker.js', import.meta.url);
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
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new ConfigError(
      `createParallelTrainer: workers must be a positive integer, got ${String(count)}. Pass e.g. { workers: 2 }.`,
      { field: 'workers', expected: 'a positive integer', got: count },
    );
  }
  const backend = options.backend ?? 'wasm';
  const replica = options.replica instanceof URL ? options.replica.href : options.replica;
  const script = options.workerScript ?? defaultWorkerScript();
  const handles = Array.from(
    { length: count },
    (_, i) => new WorkerHandle(new Worker(script), `worker ${i + 1} of ${count}`),
  );
  const all = (make: (index: number) => ToWorker) => Promise.all(handles.map((h, i) => h.request(make(i))));
  const terminate = () => Promise.all(handles.map((h) => h.worker.terminate()));

  /** Hands the host's shared memory to every worker; whether all of them bound their kernels to it. */
  const shareMemory = async (host: DenseVaeHost): Promise<boolean> => {
    const replies = (await all(() => ({
      type: 'dense-memory',
      memory: host.memory,
      capacity: host.layout.capacity,
    }))) as Extract<FromWorker, { type: 'dense-ready' }>[];
    return replies.every((r) => r.ok);
  };

  let sizes: number[];
  let dense: DenseVaeHost | undefined;
  try {
    const ready = await all((index) => ({
      type: 'init',
      replica,
      replicaOptions: options.replicaOptions,
      backend,
      index,
      workers: count,
    }));
    const first = ready[0] as Extract<FromWorker, { type: 'ready' }>;
    sizes = first.sizes;
    for (const r of ready) {
      const other = r as Extract<FromWorker, { type: 'ready' }>;
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
    await all(() => ({ type: 'buffers', gradients, control, norms }));
    // Start every replica from the same weights.
    const initial = (await handles[0]?.request({ type: 'get-weights' })) as Extract<FromWorker, { type: 'weights' }>;
    await Promise.all(handles.slice(1).map((h) => h.request({ type: 'set-weights', values: initial.values })));
    const offers = (ready as Extract<FromWorker, { type: 'ready' }>[]).map((r) => r.dense);
    const offer = offers[0];
    let host: DenseVaeHost | null | undefined;
    if (options.fusedDenseVae !== false && offer !== undefined && offers.every((o) => o !== undefined)) {
      checkDenseVaeSpec(offer.spec, first.shapes);
      // A model too big for one shared memory trains with tfjs autodiff instead.
      host = DenseVaeHost.tryCreate(offer.spec, offer.adam, count);
    }
    if (host !== null && host !== undefined) {
      host.setWeights(initial.values);
      // Without wasm SIMD the workers cannot bind their kernels: tfjs autodiff trains instead.
      if (await shareMemory(host)) dense = host;
    }
  } catch (error) {
    await terminate();
    throw error;
  }

  let generation = 1;
  let disposed = false;
  let busy: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    if (disposed) {
      return Promise.reject(
        new DisposedError('ParallelTrainer: used after dispose(). Create a new trainer.', { method: 'step' }),
      );
    }
    const next = busy.then(f, f);
    busy = next.catch(() => undefined);
    return next;
  };

  /** One step of the fused dense path: the batch goes into shared memory, the workers do the rest. */
  const denseStep = async (
    host: DenseVaeHost,
    arrays: Record<string, ArrayTensor>,
    rows: number,
    stepOptions: ParallelStepOptions,
  ): Promise<ParallelStepResult> => {
    if (host.needsRoomFor(rows)) {
      host.grow(rows);
      if (!(await shareMemory(host))) {
        throw new BackendError(
          'ParallelTrainer.step: a worker could not bind its kernels to the larger shared memory.',
          {
            backend: 'wasm',
          },
        );
      }
    }
    host.writeBatch(arrays, rows);
    const step = generation;
    generation += stepOptions.clipNorm === undefined ? 2 : 3;
    if (stepOptions.learningRate !== undefined) host.learningRate = stepOptions.learningRate;
    const results = (await all(() => ({
      type: 'dense-step',
      generation: step,
      rows,
      learningRate: host.learningRate,
      klWeight: stepOptions.scalars?.klWeight ?? 1,
      iteration: host.iterations + 1,
      ...(stepOptions.clipNorm === undefined ? {} : { clipNorm: stepOptions.clipNorm }),
    }))) as Extract<FromWorker, { type: 'stepped' }>[];
    host.iterations += 1;
    const out: ParallelStepResult = { loss: 0, metrics: {} };
    for (const r of results) {
      out.loss += r.loss;
      for (const [name, value] of Object.entries(r.metrics)) out.metrics[name] = (out.metrics[name] ?? 0) + value;
    }
    return out;
  };

  const trainer: ParallelTrainer = {
    workers: count,
    backend,
    variableSizes: sizes,
    fusedDenseVae: dense !== undefined,
    step: async (batch, stepOptions) => (await trainer.stepWithMetrics(batch, stepOptions)).loss,
    stepWithMetrics: (batch, stepOptions = {}) =>
      serial(async () => {
        checkStepOptions(stepOptions);
        const arrays = await toArrays(batch);
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
        if (dense !== undefined) return denseStep(dense, arrays, rows, stepOptions);
        const step = generation;
        // Each barrier of a step takes one generation: clipping adds one for the global norm.
        generation += stepOptions.clipNorm === undefined ? 2 : 3;
        const bounds = Array.from({ length: count + 1 }, (_, i) => Math.floor((i * rows) / count));
        const weights = bounds.slice(1).map((end, i) => (end - (bounds[i] as number)) / rows);
        const results = await Promise.all(
          handles.map((h, i) => {
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
              generation: step,
              ...(stepOptions.learningRate === undefined ? {} : { learningRate: stepOptions.learningRate }),
              ...(stepOptions.scalars === undefined ? {} : { scalars: { ...stepOptions.scalars } }),
              ...(stepOptions.clipNorm === undefined ? {} : { clipNorm: stepOptions.clipNorm }),
            });
          }),
        );
        const out: ParallelStepResult = { loss: 0, metrics: {} };
        for (const r of results as Extract<FromWorker, { type: 'stepped' }>[]) {
          out.loss += r.loss;
          for (const [name, value] of Object.entries(r.metrics)) out.metrics[name] = (out.metrics[name] ?? 0) + value;
        }
        return out;
      }),
    getWeights: () =>
      serial(async () => {
        if (dense !== undefined) return dense.weights();
        const reply = (await handles[0]?.request({ type: 'get-weights' })) as Extract<FromWorker, { type: 'weights' }>;
        return reply.values;
      }),
    setWeights: (values) =>
      serial(async () => {
        if (values.length !== sizes.length || values.some((v, i) => v.length !== sizes[i])) {
          throw new ShapeError(
            `ParallelTrainer.setWeights: expected ${sizes.length} arrays of sizes ${sizes.join(', ')}, got ${values.length} of sizes ${values.map((v) => v.length).join(', ')}.`,
            { argument: 'values', expected: sizes, got: values.map((v) => v.length) },
          );
        }
        if (dense !== undefined) dense.setWeights(values);
        else await all(() => ({ type: 'set-weights', values: values.map((v) => Float32Array.from(v)) }));
      }),
    getOptimizerState: () =>
      serial(async () => {
        if (dense !== undefined) return dense.optimizerState();
        const replies = (await all(() => ({ type: 'get-optimizer' }))) as Extract<FromWorker, { type: 'optimizer' }>[];
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
          values: sizes.map((size) => new Float32Array(size)) as Float32Array[],
        }));
        for (const reply of owners) {
          reply.groups.forEach((group, g) => {
            for (const k of reply.owned)
              (slots[g] as (typeof slots)[number]).values[k] = group.values[k] as Float32Array;
          });
        }
        return {
          className: first.className,
          config: first.config,
          iterations: Math.max(...owners.map((r) => r.iterations), 0),
          slots,
        };
      }),
    setOptimizerState: (state) =>
      serial(async () => {
        for (const slot of state.slots) {
          if (slot.values.length !== sizes.length || slot.values.some((v, k) => v.length !== sizes[k])) {
            throw new ShapeError(
              `ParallelTrainer.setOptimizerState: slot '${slot.suffix}' needs ${sizes.length} arrays of sizes ${sizes.join(', ')}, got ${slot.values.length} of sizes ${slot.values.map((v) => v.length).join(', ')}. Pass the state of a model with the same variables.`,
              { argument: 'state', expected: sizes, got: slot.values.map((v) => v.length) },
            );
          }
        }
        if (dense !== undefined) {
          dense.setOptimizerState(state);
          return;
        }
        const groups: OptimizerGroup[] = state.slots.map((slot) => ({
          suffix: slot.suffix,
          values: Object.fromEntries(slot.values.map((v, k) => [k, v])),
        }));
        await all(() => ({ type: 'set-optimizer', iterations: state.iterations, groups }));
      }),
    dispose: async () => {
      if (disposed) return;
      await busy;
      disposed = true;
      await Promise.allSettled(handles.map((h) => h.request({ type: 'dispose' })));
      await terminate();
    },
  };
  return trainer;
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
