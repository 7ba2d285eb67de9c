import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, NonFiniteLossError, ShapeError } from '../errors/index.js';
import { checkDataSupport, checkLabels, dataSupportHint } from '../models/data-support.js';
import { type Callback, progressReporter, type TrainingContext } from './callbacks.js';
import {
  type CheckpointState,
  checkpointModelOf,
  checkResumeModel,
  OPTIMIZER_FILE,
  type ResumeState,
} from './checkpoint.js';
import type { Batch, EpochSource, TrainingData } from './data.js';
import {
  defaultTrainingEngine,
  type EngineInfo,
  type StepLosses,
  type TrainingEngine,
  type TrainingEngineFactory,
} from './engine.js';
import { FIT_DEFAULTS, fitSeeds, resolveFitSetup, validationLosses } from './fit-setup.js';
import { inThreadEngine } from './in-thread-engine.js';
import type { BatchLogs, EpochLogs, History, StopReason } from './logs.js';
import { resolveSchedule, type Schedule } from './schedules.js';
import type { TrainableVAE } from './types.js';

/**
 * Options of `vae.fit` / {@link fitVAE}.
 *
 * @category Training
 */
export interface FitOptions {
  /**
   * The epoch count to reach. A resumed run continues from its checkpoint's epoch up to this one.
   * @defaultValue `1`
   */
  epochs?: number;
  /**
   * Examples per batch (tensor data and batch sources; tf.data datasets and iterables come batched).
   * @defaultValue `32`
   */
  batchSize?: number;
  /**
   * Shuffle the training examples every epoch (with a seed derived from `seed` and the epoch).
   * @defaultValue `true`
   */
  shuffle?: boolean;
  /**
   * Seed of every shuffle and of the reparameterization noise, so runs repeat exactly on one backend.
   * @defaultValue a random seed, reported in the checkpoint's state
   */
  seed?: number;
  /** Labels for conditional models when `data` is a tensor: class ids `[n]` or one-hot `[n, classes]`. */
  labels?: tf.Tensor | undefined;
  /**
   * Fraction of tensor data (taken from the end, before shuffling) held out for validation.
   * @defaultValue `0` (none)
   */
  validationSplit?: number;
  /** Validation data in any form `fit` accepts for training. */
  validationData?: TrainingData;
  /**
   * The optimizer. `fit` disposes only an optimizer it made itself.
   * @defaultValue `tf.train.adam(learningRate)`
   */
  optimizer?: tf.Optimizer;
  /**
   * A learning rate or schedule, set on the optimizer before every step.
   * @defaultValue `1e-3` when `fit` makes the optimizer; otherwise the optimizer's own rate, unchanged
   */
  learningRate?: number | Schedule;
  /**
   * Weight on the KL term per step (warm-up), multiplying the model's beta.
   * @defaultValue `1`
   */
  klWarmup?: number | Schedule;
  /** Clip gradients to this global L2 norm. @defaultValue no clipping */
  clipNorm?: number;
  /** Callbacks, called in order. */
  callbacks?: Callback[];
  /**
   * Stops training within one step of being aborted, from any source (a timer included); `fit`
   * returns with `stopReason: 'aborted'`. A signal aborted before the call trains no step.
   */
  signal?: AbortSignal;
  /**
   * Batches between loss read-backs from the device (for `onBatchEnd` logs and NaN checks). The
   * epoch's end always reads back.
   * @defaultValue `20`
   */
  logInterval?: number;
  /**
   * Yield to the event loop every this many batches (0 never), so a page stays responsive and
   * timers run. With a `signal` the loop yields after every batch whatever this says, so an abort
   * from a timer is seen within one step. A yield costs microseconds (`setImmediate` in Node).
   * @defaultValue `1`
   */
  yieldEvery?: number;
  /** Continue a run from `loadCheckpoint(...)`: optimizer state, counters, seed and history. */
  resume?: ResumeState;
  /**
   * What runs each step. `@vae/backends` has engines that train on worker threads, and its
   * `useBackend` sets the fastest one for the model as the default; see {@link TrainingEngineFactory}.
   * @defaultValue the engine set with {@link setDefaultTrainingEngine}, else {@link inThreadEngine}
   */
  engine?: TrainingEngineFactory;
  /**
   * Progress output, as in Keras: `0` silent, `1` a live line (step, ETA, running loss, images/s)
   * redrawn in a terminal (without one: a line every 15 s and one per epoch), `2` one line per
   * epoch. Output goes to standard output in Node and to the console in a browser.
   * @defaultValue `1` in Node when standard output is a terminal, otherwise `0`
   */
  verbose?: 0 | 1 | 2;
}

const KNOWN_OPTIONS = new Set([
  'epochs',
  'batchSize',
  'shuffle',
  'seed',
  'labels',
  'validationSplit',
  'validationData',
  'optimizer',
  'learningRate',
  'klWarmup',
  'clipNorm',
  'callbacks',
  'signal',
  'logInterval',
  'yieldEvery',
  'resume',
  'engine',
  'verbose',
]);

/** Internal: sums of the three loss terms over examples. */
interface Totals {
  loss: number;
  reconstruction: number;
  kl: number;
  examples: number;
}

/** A step's losses waiting for the next read-back. */
interface PendingLosses {
  stats: StepLosses;
  size: number;
  batch: number;
}

type NodeProcess = { stdout?: { isTTY?: boolean; write(text: string): unknown }; versions?: { node?: string } };

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.versions?.node === 'string' ? proc : undefined;
}

const setImmediateFn = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;

/**
 * Waits for the event loop's next turn, so timers, I/O and abort signals get their chance:
 * `setImmediate` in Node (microseconds), a `MessageChannel` message in browsers (no 4 ms clamp).
 */
function nextTurn(): Promise<void> {
  if (typeof setImmediateFn === 'function') return new Promise((resolve) => setImmediateFn(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The progress callback `verbose` asks for, if any. */
function progressFor(verbose: 0 | 1 | 2 | undefined, where: string): Callback | undefined {
  if (verbose !== undefined && verbose !== 0 && verbose !== 1 && verbose !== 2) {
    throw new ConfigError(`${where}: verbose must be 0, 1 or 2, got ${String(verbose)}.`, {
      field: 'verbose',
      expected: '0 (silent), 1 (live progress) or 2 (one line per epoch)',
      got: verbose,
    });
  }
  const proc = nodeProcess();
  const tty = proc?.stdout?.isTTY === true;
  const level = verbose ?? (tty ? 1 : 0);
  if (level === 0) return undefined;
  const stdout = proc?.stdout;
  const write = stdout
    ? (text: string) => void stdout.write(text)
    : (text: string) => console.log(text.replace(/\n$/, ''));
  if (level === 2) return progressReporter({ write });
  return progressReporter({ write, live: tty, ...(tty ? {} : { heartbeatSeconds: 15 }) });
}

function nonNegativeInteger(where: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${where}: ${field} must be a non-negative integer, got ${String(value)}.`, {
      field,
      expected: 'a non-negative integer',
      got: value,
    });
  }
  return value;
}

/**
 * Trains a VAE: batches, shuffles, validates, schedules the learning rate and KL weight, calls
 * callbacks, checks for NaN, shows progress, and returns the per-epoch history in nats per
 * example. This is the library's one training loop; what runs each step is an engine
 * ({@link FitOptions.engine}): core's {@link inThreadEngine} by default, or an engine of
 * `@vae/backends` that trains on worker threads. Every option behaves the same on every engine,
 * or the engine refuses it with a {@link ConfigError} naming it.
 *
 * Each step minimises `reconstruction + klWeight * beta * kl` over `model.trainableVariables`.
 * Losses are read back once per `logInterval` batches and at each epoch's end, never per batch.
 * All randomness derives from `seed`, so a run resumed from a checkpoint ends with the same
 * weights as an uninterrupted one (on the same backend), whichever engine wrote the checkpoint.
 *
 * @param model - The model to train (a `VAE`, or anything implementing {@link TrainableVAE}).
 * @param data - Training data: tensors, a batch source, a tf.data dataset or an iterable of batches.
 * @param options - Epochs, batch size, validation, optimizer, schedules, callbacks, abort signal,
 *   resume, engine, progress output.
 * @returns The history of every epoch, the resumed ones included, and the engine that trained.
 * @throws {@link ConfigError} for invalid options or data, or an option the engine cannot honour.
 * @throws {@link NonFiniteLossError} when a loss is NaN or infinite, naming the epoch and batch;
 * checkpoints written before stay intact.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, fitVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const x = tf.randomUniform([64, 16]);
 * const history = await fitVAE(vae, x, { epochs: 2, batchSize: 16, seed: 1 });
 * console.log(history.epochs.map((e) => e.loss));
 * ```
 * @category Training
 */
export async function fitVAE(model: TrainableVAE, data: TrainingData, options: FitOptions = {}): Promise<History> {
  const where = 'fit';
  const setup = resolveFitSetup(model, data, options, { where, knownOptions: KNOWN_OPTIONS });
  const { epochs, logInterval, shuffle, seed, clipNorm, conditional, train, validation } = setup;
  const yieldEvery = nonNegativeInteger(where, 'yieldEvery', options.yieldEvery ?? 1);
  const progress = progressFor(options.verbose, where);
  const { resume, signal } = options;
  if (options.engine !== undefined && typeof options.engine?.create !== 'function') {
    throw new ConfigError(
      `${where}: engine must be a training engine factory (an object with create()), got ${typeof options.engine}. Pass e.g. inThreadEngine() from @vae/core or autoEngine() from @vae/backends.`,
      { field: 'engine', expected: 'a TrainingEngineFactory', got: options.engine },
    );
  }
  // A rate given to fit is set before every step; otherwise an optimizer fit makes gets the
  // default rate, and a caller's optimizer (or a resumed one) keeps its own.
  const lrSchedule: Schedule | undefined =
    options.learningRate !== undefined
      ? resolveSchedule(options.learningRate, 'learningRate')
      : options.optimizer === undefined && !resume
        ? resolveSchedule(FIT_DEFAULTS.learningRate, 'learningRate')
        : undefined;
  const beta = model.config.beta ?? 1;
  const callbacks = [...(progress ? [progress] : []), ...(options.callbacks ?? [])];
  const history: History = {
    epochs: [...(resume?.state.history ?? [])],
    stopReason: 'completed',
    steps: resume?.state.step ?? 0,
  };
  let completedEpochs = resume?.state.epoch ?? 0;
  // A signal aborted before the call trains nothing.
  if (signal?.aborted) {
    history.stopReason = 'aborted';
    return history;
  }

  // A checkpoint of another model (or of this one with other weights) is refused before any step.
  if (resume) await checkResumeModel(model, resume, where);
  const factory = options.engine ?? defaultTrainingEngine() ?? inThreadEngine();
  const engine = await factory.create({
    model,
    optimizer: options.optimizer,
    learningRate: lrSchedule?.valueAt({ step: history.steps, epoch: completedEpochs }),
    resume,
    batchSize: setup.batchSize,
    steps: train.batchesPerEpoch === undefined ? undefined : (epochs - completedEpochs) * train.batchesPerEpoch,
    where,
  });
  const info: EngineInfo = {
    name: factory.name,
    description: engine.description,
    ...(engine.notice === undefined ? {} : { notice: engine.notice }),
    ...(engine.reasons === undefined || engine.reasons.length === 0 ? {} : { reasons: [...engine.reasons] }),
  };
  history.engine = info;
  const loop = new Loop(model, engine, history, { seed, epochs, completedEpochs });
  try {
    const context = loop.context(info);
    for (const cb of callbacks) await cb.onTrainBegin?.(context);
    for (let epoch = completedEpochs; epoch < epochs && loop.stopRequest === null; epoch++) {
      const started = Date.now();
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, context);
      const totals: Totals = { loss: 0, reconstruction: 0, kl: 0, examples: 0 };
      let last = { loss: Number.NaN, reconstruction: Number.NaN, kl: Number.NaN };
      let pending: PendingLosses[] = [];
      let batchIndex = 0;
      let klWeight = setup.klWarmup.valueAt({ step: loop.step, epoch });
      let learningRate = lrSchedule ? lrSchedule.valueAt({ step: loop.step, epoch }) : engine.learningRate;

      const flush = async () => {
        if (pending.length === 0) return;
        const read = await readLosses(pending);
        const interval = { loss: 0, reconstruction: 0, kl: 0, examples: 0 };
        pending.forEach((p, i) => {
          const [loss, reconstruction, kl] = read[i] as [number, number, number];
          if (!Number.isFinite(loss)) {
            throw new NonFiniteLossError(
              `fit: the loss became ${loss} at epoch ${epoch + 1}, batch ${p.batch + 1} (0-based: epoch ${epoch}, batch ${p.batch}). ` +
                `Check the data for NaN or infinite values, lower the learning rate, or set clipNorm.${dataSupportHint(model)} Checkpoints written before this batch are intact.`,
              { epoch, batch: p.batch, value: loss },
            );
          }
          interval.loss += loss * p.size;
          interval.reconstruction += reconstruction * p.size;
          interval.kl += kl * p.size;
          interval.examples += p.size;
        });
        totals.loss += interval.loss;
        totals.reconstruction += interval.reconstruction;
        totals.kl += interval.kl;
        totals.examples += interval.examples;
        last = {
          loss: interval.loss / interval.examples,
          reconstruction: interval.reconstruction / interval.examples,
          kl: interval.kl / interval.examples,
        };
        disposeLosses(pending);
        pending = [];
      };

      const batches = readAhead(train, { shuffle, seed: fitSeeds.shuffle(seed, epoch) });
      try {
        for await (const batch of batches) {
          let size: number;
          try {
            size = batch.x.shape[0] as number;
            checkBatch(model, batch, conditional, { epoch, batch: batchIndex });
            if (!loop.dataChecked) {
              // Once per run, on the first batch: data outside the likelihood's support (0-255
              // pixels for a Bernoulli) or class ids out of range would train silently or give NaN.
              checkDataSupport(model, batch.x, where);
              if (conditional) checkLabels(model, batch.labels, where);
              loop.dataChecked = true;
            }
            for (const cb of callbacks) await cb.onBatchBegin?.({ epoch, batch: batchIndex, size }, context);
            klWeight = setup.klWarmup.valueAt({ step: loop.step, epoch });
            if (lrSchedule) learningRate = lrSchedule.valueAt({ step: loop.step, epoch });
            const step = engine.step(conditional ? batch : { x: batch.x }, {
              klWeight,
              learningRate: lrSchedule ? learningRate : undefined,
              noiseSeed: fitSeeds.noise(seed, loop.step),
              clipNorm,
            });
            // While the step runs (on workers), the next batch is read.
            batches.fetchNext();
            pending.push({ stats: await step, size, batch: batchIndex });
            loop.stale = true;
          } finally {
            if (train.ownsBatches) tf.dispose([batch.x, batch.labels ?? []].flat());
          }
          loop.step += 1;
          history.steps = loop.step;
          const fresh = pending.length >= logInterval;
          if (fresh) await flush();
          const logs: BatchLogs = {
            epoch,
            batch: batchIndex,
            step: loop.step,
            size,
            batchesPerEpoch: train.batchesPerEpoch,
            ...last,
            klWeight,
            learningRate,
            fresh,
          };
          batchIndex += 1;
          for (const cb of callbacks) await cb.onBatchEnd?.(logs, context);
          if ((yieldEvery > 0 && batchIndex % yieldEvery === 0) || signal !== undefined) await nextTurn();
          if (signal?.aborted) loop.stopRequest ??= 'aborted';
          if (loop.stopRequest !== null) break;
        }
        await flush();
      } finally {
        disposeLosses(pending);
        await batches.close();
      }

      if (loop.stopRequest === 'aborted') break;
      if (batchIndex === 0) {
        throw new ConfigError(
          `fit: the training data yielded no batches in epoch ${epoch + 1}. A one-shot iterator cannot be replayed: pass a function that returns a fresh iterable, or a dataset.`,
          { field: 'data', expected: 'batches in every epoch', got: 0 },
        );
      }
      await loop.sync();
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
        const v = await validationLosses(model, validation, { klWeight, seed: fitSeeds.validation(seed), conditional });
        if (v) {
          logs.valLoss = v.loss;
          logs.valReconstruction = v.reconstruction;
          logs.valKl = v.kl;
        }
      }
      logs.seconds = (Date.now() - started) / 1000;
      history.epochs.push(logs);
      completedEpochs = epoch + 1;
      loop.completedEpochs = completedEpochs;
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, context);
      if (signal?.aborted) loop.stopRequest ??= 'aborted';
    }
    history.stopReason = loop.stopRequest ?? 'completed';
    await loop.sync();
    for (const cb of callbacks) await cb.onTrainEnd?.(history, context);
  } catch (error) {
    // The model gets the engine's last weights also when training failed; the failure is what
    // the caller needs to see, not a second one while cleaning up.
    await engine.dispose().catch(() => undefined);
    throw error;
  }
  await engine.dispose();
  return history;
}

/**
 * Checks a batch against the model before any engine sees it, so that every engine refuses the
 * same batches with the same error, naming the epoch and batch.
 */
function checkBatch(
  model: TrainableVAE,
  batch: Batch,
  conditional: boolean,
  at: { epoch: number; batch: number },
): void {
  const where = `fit: batch ${at.batch + 1} of epoch ${at.epoch + 1}`;
  const shape = (model as { inputShape?: readonly number[] }).inputShape;
  const { x } = batch;
  if (shape !== undefined && (x.rank !== shape.length + 1 || shape.some((d, i) => x.shape[i + 1] !== d))) {
    throw new ShapeError(
      `${where} has shape [${x.shape.join(', ')}], the model expects [batch, ${shape.join(', ')}]. Reshape the data to the model's inputShape.`,
      { argument: 'x', expected: [null, ...shape], got: x.shape },
    );
  }
  if (conditional && batch.labels === undefined) {
    throw new ConfigError(
      `${where} has no labels, but the model is conditional (${String(model.numClasses)} classes). Pass { x, labels }, a labelled dataset, or the labels option.`,
      { field: 'labels', expected: 'labels for a conditional model', got: undefined },
    );
  }
}

/** The state of one `fit` call that callbacks reach through the context. */
class Loop {
  step: number;
  completedEpochs: number;
  stopRequest: StopReason | null = null;
  /** Whether the engine's weights are newer than the model's. */
  stale = false;
  /** Whether the run's first batch has been checked against the likelihood's support. */
  dataChecked = false;

  constructor(
    readonly model: TrainableVAE,
    private readonly engine: TrainingEngine,
    private readonly history: History,
    private readonly run: { seed: number; epochs: number; completedEpochs: number },
  ) {
    this.step = history.steps;
    this.completedEpochs = run.completedEpochs;
  }

  async sync(): Promise<void> {
    if (!this.stale) return;
    await this.engine.syncToModel();
    this.stale = false;
  }

  context(info: EngineInfo): TrainingContext {
    const loop = this;
    return {
      model: this.model,
      optimizer: this.engine.optimizer,
      history: this.history,
      epochs: this.run.epochs,
      engine: info,
      stop(reason: StopReason = 'callback') {
        loop.stopRequest ??= reason;
      },
      syncModel: () => loop.sync(),
      async saveCheckpoint(destination) {
        await loop.sync();
        const { meta, bytes } = await loop.engine.exportOptimizer();
        const state: CheckpointState = {
          kind: 'vae-checkpoint',
          version: 2,
          model: await checkpointModelOf(loop.model),
          epoch: loop.completedEpochs,
          step: loop.step,
          seed: loop.run.seed,
          history: loop.history.epochs,
          optimizer: meta,
        };
        await loop.model.save(destination, { trainingState: state, extraFiles: { [OPTIMIZER_FILE]: bytes } });
      },
    };
  }
}

/** The `[total, reconstruction, kl]` of each pending step: tensors read back in one transfer. */
async function readLosses(pending: PendingLosses[]): Promise<Array<readonly [number, number, number]>> {
  const tensors = pending.flatMap((p) => (p.stats instanceof tf.Tensor ? [p.stats] : []));
  let values: Float32Array | undefined;
  if (tensors.length > 0) {
    const stacked = tf.stack(tensors);
    try {
      values = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
  }
  let row = 0;
  return pending.map((p) => {
    if (!(p.stats instanceof tf.Tensor)) return p.stats as readonly [number, number, number];
    const at = 3 * row++;
    const v = values as Float32Array;
    return [v[at] as number, v[at + 1] as number, v[at + 2] as number] as const;
  });
}

function disposeLosses(pending: PendingLosses[]): void {
  tf.dispose(pending.flatMap((p) => (p.stats instanceof tf.Tensor ? [p.stats] : [])));
}

/**
 * The batches of one epoch, with the next one read while a step runs (`fetchNext`), so an engine
 * that trains off the main thread is not kept waiting for data. A batch read but never handed
 * out (training stopped, or failed) is disposed by `close`.
 */
function readAhead(
  source: EpochSource,
  options: { shuffle: boolean; seed: number },
): AsyncIterable<Batch> & { fetchNext(): void; close(): Promise<void> } {
  const iterator = source.epoch(options)[Symbol.asyncIterator]();
  let ahead: Promise<IteratorResult<Batch>> | undefined;
  let done = false;
  const fetchNext = () => {
    if (ahead !== undefined || done) return;
    ahead = iterator.next();
    // Awaited by the consumer; this only keeps an early failure from going unhandled meanwhile.
    ahead.catch(() => undefined);
  };
  return {
    fetchNext,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        fetchNext();
        const next = await (ahead as Promise<IteratorResult<Batch>>);
        ahead = undefined;
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    },
    async close() {
      if (ahead !== undefined) {
        const unused = await ahead.catch(() => undefined);
        ahead = undefined;
        if (unused !== undefined && !unused.done && source.ownsBatches) {
          tf.dispose([unused.value.x, unused.value.labels ?? []].flat());
        }
      }
      if (!done) {
        done = true;
        await iterator.return?.(undefined);
      }
    },
  };
}
