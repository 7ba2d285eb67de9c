import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of every op in Node
import {
  type BatchLogs,
  type CheckpointState,
  ConfigError,
  type EpochLogs,
  FIT_DEFAULTS,
  type FitOptions,
  fitSeeds,
  type History,
  ModelFormatError,
  NonFiniteLossError,
  type ResumeState,
  resolveFitSetup,
  resolveSchedule,
  ShapeError,
  type StopReason,
  type TrainingContext,
  type TrainingData,
  type VAE,
  validationLosses,
} from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import {
  createParallelTrainer,
  type ParallelBatch,
  type ParallelOptimizerState,
  type ParallelTrainer,
} from './parallel-trainer.js';
import type { ArrayTensor } from './protocol.js';
import type { VaeReplicaOptions } from './vae-replica.js';

/**
 * Options of {@link fitParallel}: the options of core's `fitVAE` that a multi-core run supports
 * (everything but `optimizer` and `yieldEvery`), plus the worker count,
 * backend and worker script. `batchSize` is the global batch, split between the workers;
 * `learningRate` drives each worker's Adam; callbacks run on the main thread, and the model's
 * weights are copied back from the workers before each `onEpochEnd` (not after every batch).
 *
 * @category Parallel training
 */
export interface FitParallelOptions extends Omit<FitOptions, 'optimizer' | 'yieldEvery'> {
  /**
   * How many workers (one replica each, one core each).
   * @defaultValue `os.availableParallelism()`
   */
  workers?: number;
  /**
   * The backend each worker uses.
   * @defaultValue `'wasm'` with this package's training kernels
   */
  backend?: BackendName;
  /**
   * Copy the workers' weights into the model every this many steps, before `onBatchEnd`, for
   * callbacks that use the model mid-epoch (pictures of the progress, say). Each copy costs a
   * round trip of all the weights.
   * @defaultValue `undefined`: only before each `onEpochEnd`, at the end, and for checkpoints
   */
  syncEvery?: number;
  /**
   * The worker script. Only needed when running this package from its TypeScript sources.
   * @defaultValue the `parallel-worker.js` shipped with this package
   */
  workerScript?: string | URL;
  /**
   * Train a model of `buildMlpVAE` or of `buildConditionalVAE`'s MLP variant (no dropout, relu /
   * leakyRelu / linear layers, a Bernoulli or fixed Gaussian likelihood, no free bits; see
   * `denseVaeSpecOf`) with the parallel trainer's fused dense step on wasm workers: our SIMD kernels in memory the workers share instead of tfjs
   * autodiff, the same training to float32 rounding and about twice as fast. `false` trains it
   * like any other model. Other models always train with tfjs autodiff.
   * @defaultValue true
   */
  fusedDenseVae?: boolean;
}

const KNOWN_OPTIONS = new Set([
  'fusedDenseVae',
  'epochs',
  'batchSize',
  'shuffle',
  'seed',
  'labels',
  'validationSplit',
  'validationData',
  'learningRate',
  'klWarmup',
  'callbacks',
  'signal',
  'logInterval',
  'clipNorm',
  'resume',
  'workers',
  'syncEvery',
  'backend',
  'workerScript',
]);

/** Options of `fitVAE` that need state on the main thread's optimizer, which a parallel run does not have. */
const FIT_ONLY_OPTIONS: Record<string, string> = {
  optimizer: 'the workers each run Adam; pass learningRate (a number or a schedule) instead',
  yieldEvery: 'the main thread waits on the workers every step, so it always yields',
};

function positiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`fitParallel: ${field} must be a positive integer, got ${String(value)}.`, {
      field,
      expected: 'a positive integer',
      got: value,
    });
  }
  return value;
}

function replicaModule(): URL {
  // From the TypeScript sources (tests) the sibling is a .ts file; built, it is vae-replica.js.
  const source = /\.ts$/.test(new URL(import.meta.url).pathname);
  return new URL(source ? './vae-replica.ts' : './vae-replica.js', import.meta.url);
}

/** Saves the model into memory, as plain data a worker can receive. */
async function artifactsOf(vae: VAE): Promise<{ encoder: tf.io.ModelArtifacts; decoder: tf.io.ModelArtifacts }> {
  const saved: { encoder?: tf.io.ModelArtifacts; decoder?: tf.io.ModelArtifacts } = {};
  const handler = (key: 'encoder' | 'decoder'): tf.io.IOHandler => ({
    save: async (artifacts) => {
      saved[key] = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  await vae.save({ encoder: handler('encoder'), decoder: handler('decoder') });
  return { encoder: saved.encoder as tf.io.ModelArtifacts, decoder: saved.decoder as tf.io.ModelArtifacts };
}

/**
 * Iterates `source` one item ahead: while the caller works on an item, the next one is fetched
 * and `prepare`d (the main thread is otherwise idle while the workers train). An item read ahead
 * but never handed out (the caller stopped, or something failed) goes to `discard`.
 */
async function* readAhead<T, U>(
  source: AsyncIterable<T>,
  prepare: (item: T, index: number) => Promise<U>,
  discard: (item: T) => void,
): AsyncGenerator<{ item: T; prepared: U }> {
  const it = source[Symbol.asyncIterator]();
  const fetch = async (index: number) => {
    const next = await it.next();
    if (next.done) return undefined;
    try {
      return { item: next.value, prepared: await prepare(next.value, index) };
    } catch (error) {
      discard(next.value);
      throw error;
    }
  };
  let index = 0;
  let ahead = fetch(index);
  ahead.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  let finished = false;
  try {
    for (;;) {
      const current = await ahead;
      if (current === undefined) {
        finished = true;
        return;
      }
      index += 1;
      ahead = fetch(index);
      ahead.catch(() => undefined);
      yield current;
    }
  } finally {
    if (!finished) {
      const unused = await ahead.catch(() => undefined);
      if (unused !== undefined) discard(unused.item);
      await it.return?.();
    }
  }
}

async function toArray(t: tf.Tensor): Promise<ArrayTensor> {
  return { values: (await t.data()) as Float32Array, shape: [...t.shape] };
}

/** Copies the workers' weights into the main thread's model. */
async function syncWeights(trainer: ParallelTrainer, vars: tf.Variable[]): Promise<void> {
  const values = await trainer.getWeights();
  vars.forEach((v, k) => {
    tf.tidy(() => v.assign(tf.tensor(values[k] as Float32Array, v.shape)));
  });
}

/** The name of the optimizer slot file in a checkpoint folder (core's `OPTIMIZER_FILE`). */
const OPTIMIZER_FILE = 'optimizer.bin';

/**
 * Encodes the workers' optimizer state as core's checkpoints store it: `[iter, slot kind 0 of
 * every variable..., slot kind 1 of every variable...]`, named after the main thread's variables.
 */
async function encodeOptimizer(
  state: ParallelOptimizerState,
  vars: tf.Variable[],
): Promise<{ meta: CheckpointState['optimizer']; bytes: Uint8Array }> {
  const named: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }];
  for (const slot of state.slots) {
    vars.forEach((v, k) => {
      named.push({ name: `${v.name}${slot.suffix}`, tensor: tf.tensor(slot.values[k] as Float32Array, v.shape) });
    });
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return {
      meta: {
        className: state.className,
        config: state.config as tf.serialization.ConfigDict,
        weightSpecs: specs,
      },
      bytes: new Uint8Array(data),
    };
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}

/** Reads a checkpoint's optimizer weights back into per-variable slots for the workers. */
function decodeOptimizer(resume: ResumeState, vars: tf.Variable[]): ParallelOptimizerState {
  // resolveFitSetup has checked that `resume` is a checkpoint's resume state.
  const { state, optimizerWeights: bytes } = resume;
  const { className, config, weightSpecs } = state.optimizer;
  if (className !== 'Adam') {
    throw new ConfigError(
      `fitParallel: the checkpoint's optimizer is ${className}; the workers train with Adam. Resume this checkpoint with vae.fit.`,
      { field: 'resume', expected: "a checkpoint of an 'Adam' run", got: className },
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buffer, weightSpecs);
  try {
    const iter = weightSpecs.findIndex((w) => w.name === 'iter');
    const slotSpecs = weightSpecs.filter((_, i) => i !== iter);
    const kinds = slotSpecs.length / vars.length;
    const bad = () =>
      new ModelFormatError(
        `fitParallel: the checkpoint's optimizer holds ${slotSpecs.length} slots, the model has ${vars.length} trainable variables; they do not match. Resume with the model of the same checkpoint.`,
        { location: 'resume' },
      );
    if (!Number.isInteger(kinds)) throw bad();
    const slots: ParallelOptimizerState['slots'] = [];
    for (let g = 0; g < kinds; g++) {
      const values = vars.map((v, k) => {
        const spec = slotSpecs[g * vars.length + k] as tf.io.WeightsManifestEntry;
        const data = (map[spec.name] as tf.Tensor).dataSync() as Float32Array;
        if (data.length !== v.size) throw bad();
        return Float32Array.from(data);
      });
      const first = (slotSpecs[g * vars.length] as tf.io.WeightsManifestEntry).name;
      const slash = first.lastIndexOf('/');
      slots.push({ suffix: slash < 0 ? `/${g}` : first.slice(slash), values });
    }
    const iterations = iter < 0 ? state.step : ((map.iter as tf.Tensor).dataSync()[0] as number);
    return { className, config: config as Record<string, unknown>, iterations, slots };
  } finally {
    tf.dispose(Object.values(map));
  }
}

/**
 * Trains a VAE on every core in Node: one replica per worker thread (wasm backend with this
 * package's training kernels), each global batch split between the workers and their gradients
 * averaged, so that the result equals single-process training on the same batches up to float
 * rounding.
 *
 * It takes the data forms and the essential options of core's `fitVAE`, draws the same batches
 * and the same reparameterization noise from `seed` (the noise of every step is drawn on the main
 * thread for the whole batch and each worker gets its rows), calls the same callbacks with the
 * same logs, and returns the same `History`. At the end (also when aborted or failing) the
 * model holds the trained weights. `clipNorm` clips the global norm of the averaged gradient
 * (across all workers). `context.saveCheckpoint` (and so core's `modelCheckpoint`) gathers the
 * optimizer state from the workers and writes core's checkpoint format: `loadCheckpoint` reads
 * it, and both `fitVAE` and `fitParallel` continue from it with `resume`. Not supported:
 * `optimizer` (the workers run Adam), dropout noise equal to a single process's, and function
 * networks (the model must save).
 *
 * @param vae - The model to train; its weights are the starting point and receive the result.
 * @param data - Training data in any form `fitVAE` accepts.
 * @param options - Epochs, batch size, seed, validation, schedules, callbacks, signal, workers.
 * @returns The history of every epoch, in nats per example.
 * @throws `ConfigError` (from `@vae/core`) for invalid or unsupported options or data.
 * @throws `NonFiniteLossError` when a loss becomes NaN or infinite.
 * @throws `ModelFormatError` when a network is a function (it cannot be sent to the workers), or
 * when `resume`'s optimizer state does not match the model.
 * @throws `BackendError` when a worker fails to start.
 * @example
 * ```ts
 * import { useBackend } from '@vae/backends';
 * import { fitParallel } from '@vae/backends/node';
 * import { buildMlpVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * await useBackend('wasm');
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2, seed: 1 });
 * const x = tf.randomUniform([64, 16]);
 * const history = await fitParallel(vae, x, { epochs: 2, batchSize: 16, seed: 1, workers: 2 });
 * console.log(history.epochs.map((e) => e.loss));
 * ```
 * @category Parallel training
 */
export async function fitParallel(vae: VAE, data: TrainingData, options: FitParallelOptions = {}): Promise<History> {
  for (const key of Object.keys(options)) {
    const why = FIT_ONLY_OPTIONS[key];
    if (why !== undefined) {
      throw new ConfigError(`fitParallel: option '${key}' is not supported (${why}).`, {
        field: key,
        expected: 'an option fitParallel supports',
        got: (options as Record<string, unknown>)[key],
      });
    }
  }
  const setup = resolveFitSetup(vae, data, options, { where: 'fitParallel', knownOptions: KNOWN_OPTIONS });
  const { epochs, logInterval, shuffle, seed, clipNorm, conditional, validation } = setup;
  if (options.workers !== undefined) positiveInteger('workers', options.workers);
  const syncEvery = options.syncEvery === undefined ? undefined : positiveInteger('syncEvery', options.syncEvery);
  const resume = options.resume;
  const vars = vae.trainableVariables;
  const restored = resume === undefined ? undefined : decodeOptimizer(resume, vars);
  // Resumed without a learning rate, the run keeps the checkpoint's (as fitVAE does).
  const savedRate = restored?.config.learningRate;
  const lrSchedule = resolveSchedule(
    options.learningRate ?? (typeof savedRate === 'number' ? savedRate : FIT_DEFAULTS.learningRate),
    'learningRate',
  );
  const klSchedule = setup.klWarmup;
  const beta = vae.config.beta ?? 1;
  const callbacks = options.callbacks ?? [];
  const history: History = {
    epochs: [...(resume?.state.history ?? [])],
    stopReason: 'completed',
    steps: resume?.state.step ?? 0,
  };
  let step = history.steps;
  let completedEpochs = resume?.state.epoch ?? 0;

  const adam: Pick<VaeReplicaOptions, 'beta1' | 'beta2' | 'epsilon'> = {};
  for (const key of ['beta1', 'beta2', 'epsilon'] as const) {
    const value = restored?.config[key];
    if (typeof value === 'number') adam[key] = value;
  }
  const replicaOptions: VaeReplicaOptions = {
    ...(await artifactsOf(vae)),
    learningRate: lrSchedule.valueAt({ step, epoch: completedEpochs }),
    ...adam,
  };
  const trainer = await createParallelTrainer({
    replica: replicaModule(),
    replicaOptions,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.workerScript === undefined ? {} : { workerScript: options.workerScript }),
    ...(options.fusedDenseVae === undefined ? {} : { fusedDenseVae: options.fusedDenseVae }),
  });
  // The main thread keeps no optimizer state; callbacks see a stand-in holding the learning rate.
  const standIn = tf.train.adam(replicaOptions.learningRate);
  let stopRequest: StopReason | null = null;
  // Whether the main thread's model lags behind the workers (steps since the last copy).
  let stale = false;
  const sync = async () => {
    await syncWeights(trainer, vars);
    stale = false;
  };
  const context: TrainingContext = {
    model: vae,
    optimizer: standIn,
    history,
    epochs,
    stop(reason: StopReason = 'callback') {
      stopRequest ??= reason;
    },
    async saveCheckpoint(destination) {
      if (stale) await sync();
      const { meta, bytes } = await encodeOptimizer(await trainer.getOptimizerState(), vars);
      const state: CheckpointState = {
        kind: 'vae-checkpoint',
        version: 1,
        epoch: completedEpochs,
        step,
        seed,
        history: history.epochs,
        optimizer: meta,
      };
      await vae.save(destination, { trainingState: state, extraFiles: { [OPTIMIZER_FILE]: bytes } });
    },
  };

  try {
    // Every replica starts from exactly the main thread's weights (this also checks their order).
    await trainer.setWeights(await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array)));
    if (restored) await trainer.setOptimizerState(restored);
    for (const cb of callbacks) await cb.onTrainBegin?.(context);
    for (let epoch = completedEpochs; epoch < epochs && stopRequest === null; epoch++) {
      const started = Date.now();
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, context);
      const totals = { loss: 0, reconstruction: 0, kl: 0, examples: 0 };
      const interval = { loss: 0, reconstruction: 0, kl: 0, examples: 0, batches: 0 };
      let last = { loss: Number.NaN, reconstruction: Number.NaN, kl: Number.NaN };
      let batchIndex = 0;
      let klWeight = klSchedule.valueAt({ step, epoch });
      let learningRate = lrSchedule.valueAt({ step, epoch });

      const firstStep = step;
      // Each batch's arrays and noise are made while the workers train on the one before.
      const prepared = readAhead(
        setup.train.epoch({ shuffle, seed: fitSeeds.shuffle(seed, epoch) }),
        async (batch, index) => {
          if (batch.x.rank !== vae.inputShape.length + 1 || vae.inputShape.some((d, i) => batch.x.shape[i + 1] !== d)) {
            throw new ShapeError(
              `fitParallel: batch ${index + 1} of epoch ${epoch + 1} has shape [${batch.x.shape.join(', ')}], the model expects [batch, ${vae.inputShape.join(', ')}]. Reshape the data to the model's inputShape.`,
              { argument: 'x', expected: [null, ...vae.inputShape], got: batch.x.shape },
            );
          }
          if (conditional && batch.labels === undefined) {
            throw new ConfigError(
              `fitParallel: the model is conditional (${vae.numClasses} classes) but batch ${index + 1} of epoch ${epoch + 1} has no labels. Pass { x, labels } or the labels option.`,
              { field: 'labels', expected: 'labels for a conditional model', got: undefined },
            );
          }
          const size = batch.x.shape[0] as number;
          const eps = tf.randomNormal([size, vae.latentDim], 0, 1, 'float32', fitSeeds.noise(seed, firstStep + index));
          const parts: ParallelBatch = {};
          try {
            parts.x = await toArray(batch.x);
            parts.eps = await toArray(eps);
            if (conditional && batch.labels) parts.labels = await toArray(batch.labels);
          } finally {
            eps.dispose();
          }
          return parts;
        },
        (batch) => {
          if (setup.train.ownsBatches) tf.dispose([batch.x, batch.labels ?? []].flat());
        },
      );
      for await (const { item: batch, prepared: parts } of prepared) {
        let size: number;
        let result: { loss: number; metrics: Record<string, number> };
        try {
          size = batch.x.shape[0] as number;
          klWeight = klSchedule.valueAt({ step, epoch });
          learningRate = lrSchedule.valueAt({ step, epoch });
          (standIn as unknown as { learningRate: number }).learningRate = learningRate;
          result = await trainer.stepWithMetrics(parts, {
            learningRate,
            scalars: { klWeight },
            ...(clipNorm === undefined ? {} : { clipNorm }),
          });
          stale = true;
        } finally {
          if (setup.train.ownsBatches) tf.dispose([batch.x, batch.labels ?? []].flat());
        }
        if (!Number.isFinite(result.loss)) {
          throw new NonFiniteLossError(
            `fitParallel: the loss became ${result.loss} at epoch ${epoch + 1}, batch ${batchIndex + 1} (0-based: epoch ${epoch}, batch ${batchIndex}). ` +
              'Check the data for NaN or infinite values, or lower the learning rate.',
            { epoch, batch: batchIndex, value: result.loss },
          );
        }
        const reconstruction = result.metrics.reconstruction ?? Number.NaN;
        const kl = result.metrics.kl ?? Number.NaN;
        interval.loss += result.loss * size;
        interval.reconstruction += reconstruction * size;
        interval.kl += kl * size;
        interval.examples += size;
        interval.batches += 1;
        step += 1;
        history.steps = step;
        // The same logging intervals as fitVAE: means refresh every logInterval batches.
        const fresh = interval.batches >= logInterval;
        if (fresh) {
          last = {
            loss: interval.loss / interval.examples,
            reconstruction: interval.reconstruction / interval.examples,
            kl: interval.kl / interval.examples,
          };
          totals.loss += interval.loss;
          totals.reconstruction += interval.reconstruction;
          totals.kl += interval.kl;
          totals.examples += interval.examples;
          Object.assign(interval, { loss: 0, reconstruction: 0, kl: 0, examples: 0, batches: 0 });
        }
        const logs: BatchLogs = {
          epoch,
          batch: batchIndex,
          step,
          size,
          batchesPerEpoch: setup.train.batchesPerEpoch,
          ...last,
          klWeight,
          learningRate,
          fresh,
        };
        batchIndex += 1;
        if (syncEvery !== undefined && step % syncEvery === 0) await sync();
        for (const cb of callbacks) await cb.onBatchEnd?.(logs, context);
        if (options.signal?.aborted) stopRequest ??= 'aborted';
        if (stopRequest !== null) break;
      }
      totals.loss += interval.loss;
      totals.reconstruction += interval.reconstruction;
      totals.kl += interval.kl;
      totals.examples += interval.examples;

      if (stopRequest === 'aborted') break;
      if (batchIndex === 0) {
        throw new ConfigError(
          `fitParallel: the training data yielded no batches in epoch ${epoch + 1}. A one-shot iterator cannot be replayed: pass a function that returns a fresh iterable, or a dataset.`,
          { field: 'data', expected: 'batches in every epoch', got: 0 },
        );
      }
      await sync();
      const logs: EpochLogs = {
        epoch,
        loss: totals.loss / totals.examples,
        reconstruction: totals.reconstruction / totals.examples,
        kl: totals.kl / totals.examples,
        klWeight,
        beta,
        learningRate,
        batches: batchIndex,
        examples: totals.examples,
        seconds: 0,
      };
      if (validation) {
        const v = await validationLosses(vae, validation, { klWeight, seed: fitSeeds.validation(seed), conditional });
        if (v) {
          logs.valLoss = v.loss;
          logs.valReconstruction = v.reconstruction;
          logs.valKl = v.kl;
        }
      }
      logs.seconds = (Date.now() - started) / 1000;
      history.epochs.push(logs);
      completedEpochs = epoch + 1;
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, context);
      if (options.signal?.aborted) stopRequest ??= 'aborted';
    }
    history.stopReason = stopRequest ?? 'completed';
    if (stale) await sync();
    for (const cb of callbacks) await cb.onTrainEnd?.(history, context);
    return history;
  } finally {
    try {
      // On an error the model still gets the weights of the last completed step.
      if (stale) await sync().catch(() => undefined);
    } finally {
      standIn.dispose();
      await trainer.dispose();
    }
  }
}
