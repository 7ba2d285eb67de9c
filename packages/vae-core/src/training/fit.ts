import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers the gradients of every op; tfjs-core alone does not in Node.
import '@tensorflow/tfjs-layers';
import { ConfigError, NonFiniteLossError } from '../errors/index.js';
import type { Callback, TrainingContext } from './callbacks.js';
import {
  type CheckpointState,
  captureOptimizer,
  OPTIMIZER_FILE,
  type ResumeState,
  rebuildOptimizer,
  restoreOptimizer,
} from './checkpoint.js';
import type { Batch, TrainingData } from './data.js';
import { FIT_DEFAULTS, fitSeeds, resolveFitSetup, validationLosses } from './fit-setup.js';
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
  labels?: tf.Tensor;
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
  /** Stops training after the current batch when aborted; `fit` returns with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /**
   * Batches between loss read-backs from the device (for `onBatchEnd` logs and NaN checks). The
   * epoch's end always reads back.
   * @defaultValue `20`
   */
  logInterval?: number;
  /**
   * Yield to the event loop every this many batches (0 never), so a page stays responsive.
   * @defaultValue `1` in browsers, `0` elsewhere
   */
  yieldEvery?: number;
  /** Continue a run from `loadCheckpoint(...)`: optimizer state, counters, seed and history. */
  resume?: ResumeState;
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
]);

function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

function currentLearningRate(optimizer: tf.Optimizer): number {
  const rate = (optimizer as unknown as { learningRate?: number }).learningRate;
  return typeof rate === 'number' ? rate : Number.NaN;
}

/** Internal: sums of the three loss terms over examples. */
interface Totals {
  loss: number;
  reconstruction: number;
  kl: number;
  examples: number;
}

const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

/**
 * Trains a VAE: batches, shuffles, validates, schedules the learning rate and KL weight, calls
 * callbacks, checks for NaN, and returns the per-epoch history in nats per example.
 *
 * Each step minimises `reconstruction + klWeight * beta * kl` over `model.trainableVariables`.
 * Losses stay on the device and are read back once per `logInterval` batches and at each epoch's
 * end, never per batch. All randomness derives from `seed`, so a run resumed from a checkpoint
 * ends with the same weights as an uninterrupted one (on the same backend).
 *
 * @param model - The model to train (a `VAE`, or anything implementing {@link TrainableVAE}).
 * @param data - Training data: tensors, a batch source, a tf.data dataset or an iterable of batches.
 * @param options - Epochs, batch size, validation, optimizer, schedules, callbacks, abort signal, resume.
 * @returns The history of every epoch, the resumed ones included.
 * @throws {@link ConfigError} for invalid options or data.
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
  const { epochs, logInterval, shuffle, seed, clipNorm, conditional, train, validation, klWarmup } = resolveFitSetup(
    model,
    data,
    options,
    { where: 'fit', knownOptions: KNOWN_OPTIONS },
  );
  const yieldEvery = options.yieldEvery ?? (inBrowser ? 1 : 0);
  const resume = options.resume;

  const ownOptimizer = options.optimizer === undefined;
  const optimizer =
    options.optimizer ??
    (resume
      ? rebuildOptimizer(resume.state.optimizer)
      : tf.train.adam(typeof options.learningRate === 'number' ? options.learningRate : FIT_DEFAULTS.learningRate));
  const lrSchedule =
    options.learningRate !== undefined
      ? resolveSchedule(options.learningRate, 'learningRate')
      : ownOptimizer && !resume
        ? resolveSchedule(FIT_DEFAULTS.learningRate, 'learningRate')
        : undefined;
  const klSchedule = klWarmup;
  const beta = model.config.beta ?? 1;
  const callbacks = options.callbacks ?? [];

  const history: History = {
    epochs: [...(resume?.state.history ?? [])],
    stopReason: 'completed',
    steps: resume?.state.step ?? 0,
  };
  let step = history.steps;
  let stopRequest: StopReason | null = null;
  let completedEpochs = resume?.state.epoch ?? 0;

  const context: TrainingContext = {
    model,
    optimizer,
    history,
    epochs,
    stop(reason: StopReason = 'callback') {
      stopRequest ??= reason;
    },
    async saveCheckpoint(destination) {
      const { meta, bytes } = await captureOptimizer(optimizer);
      const state: CheckpointState = {
        kind: 'vae-checkpoint',
        version: 1,
        epoch: completedEpochs,
        step,
        seed,
        history: history.epochs,
        optimizer: meta,
      };
      await model.save(destination, { trainingState: state, extraFiles: { [OPTIMIZER_FILE]: bytes } });
    },
  };

  try {
    if (resume) await restoreOptimizer(optimizer, resume);
    for (const cb of callbacks) await cb.onTrainBegin?.(context);
    const vars = model.trainableVariables;
    if (vars.length === 0) {
      throw new ConfigError('fit: the model has no trainable variables.', {
        field: 'model',
        expected: 'a model with trainable variables',
        got: 0,
      });
    }

    for (let epoch = completedEpochs; epoch < epochs && stopRequest === null; epoch++) {
      const started = Date.now();
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, context);
      const totals: Totals = { loss: 0, reconstruction: 0, kl: 0, examples: 0 };
      let pending: Array<{ stats: tf.Tensor1D; size: number; batch: number }> = [];
      let last = { loss: Number.NaN, reconstruction: Number.NaN, kl: Number.NaN };
      let batchIndex = 0;
      let klWeight = klSchedule.valueAt({ step, epoch });
      let learningRate = lrSchedule ? lrSchedule.valueAt({ step, epoch }) : currentLearningRate(optimizer);

      const flush = async () => {
        if (pending.length === 0) return;
        const stacked = tf.stack(pending.map((p) => p.stats));
        const values = await stacked.data();
        stacked.dispose();
        const interval = { loss: 0, reconstruction: 0, kl: 0, examples: 0 };
        for (let i = 0; i < pending.length; i++) {
          const p = pending[i] as (typeof pending)[number];
          const loss = values[i * 3] as number;
          if (!Number.isFinite(loss)) {
            throw new NonFiniteLossError(
              `fit: the loss became ${loss} at epoch ${epoch + 1}, batch ${p.batch + 1} (0-based: epoch ${epoch}, batch ${p.batch}). ` +
                'Check the data for NaN or infinite values, lower the learning rate, or set clipNorm. Checkpoints written before this batch are intact.',
              { epoch, batch: p.batch, value: loss },
            );
          }
          interval.loss += loss * p.size;
          interval.reconstruction += (values[i * 3 + 1] as number) * p.size;
          interval.kl += (values[i * 3 + 2] as number) * p.size;
          interval.examples += p.size;
        }
        totals.loss += interval.loss;
        totals.reconstruction += interval.reconstruction;
        totals.kl += interval.kl;
        totals.examples += interval.examples;
        last = {
          loss: interval.loss / interval.examples,
          reconstruction: interval.reconstruction / interval.examples,
          kl: interval.kl / interval.examples,
        };
        tf.dispose(pending.map((p) => p.stats));
        pending = [];
      };

      try {
        for await (const batch of train.epoch({ shuffle, seed: fitSeeds.shuffle(seed, epoch) })) {
          let size: number;
          try {
            size = batch.x.shape[0] as number;
            klWeight = klSchedule.valueAt({ step, epoch });
            if (lrSchedule) {
              learningRate = lrSchedule.valueAt({ step, epoch });
              setLearningRate(optimizer, learningRate);
            }
            const stats = trainStep(model, optimizer, vars, conditional ? batch : { x: batch.x }, {
              klWeight,
              seed: fitSeeds.noise(seed, step),
              clipNorm,
            });
            pending.push({ stats, size, batch: batchIndex });
          } finally {
            if (train.ownsBatches) tf.dispose([batch.x, batch.labels ?? []].flat());
          }
          step += 1;
          history.steps = step;
          const fresh = pending.length >= logInterval;
          if (fresh) await flush();
          const logs: BatchLogs = {
            epoch,
            batch: batchIndex,
            step,
            size,
            batchesPerEpoch: train.batchesPerEpoch,
            ...last,
            klWeight,
            learningRate,
            fresh,
          };
          batchIndex += 1;
          for (const cb of callbacks) await cb.onBatchEnd?.(logs, context);
          if (yieldEvery > 0 && batchIndex % yieldEvery === 0) await new Promise((r) => setTimeout(r, 0));
          if (options.signal?.aborted) stopRequest ??= 'aborted';
          if (stopRequest !== null) break;
        }
        await flush();
      } finally {
        tf.dispose(pending.map((p) => p.stats));
      }

      if (stopRequest === 'aborted') break;
      if (batchIndex === 0) {
        throw new ConfigError(
          `fit: the training data yielded no batches in epoch ${epoch + 1}. A one-shot iterator cannot be replayed: pass a function that returns a fresh iterable, or a dataset.`,
          { field: 'data', expected: 'batches in every epoch', got: 0 },
        );
      }
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
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, context);
      if (options.signal?.aborted) stopRequest ??= 'aborted';
    }
    history.stopReason = stopRequest ?? 'completed';
    for (const cb of callbacks) await cb.onTrainEnd?.(history, context);
    return history;
  } finally {
    if (ownOptimizer) optimizer.dispose();
  }
}

/** One optimizer step; returns `[total, reconstruction, kl]` as a new tensor, read later. */
function trainStep(
  model: TrainableVAE,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: Batch,
  options: { klWeight: number; seed: number; clipNorm: number | undefined },
): tf.Tensor1D {
  let reconstruction: tf.Scalar | undefined;
  let kl: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const terms = model.lossTerms(batch.x, {
      ...(batch.labels ? { labels: batch.labels } : {}),
      klWeight: options.klWeight,
      seed: options.seed,
      training: true,
    });
    reconstruction = tf.keep(terms.reconstruction);
    kl = tf.keep(terms.kl);
    return terms.total;
  }, vars);
  try {
    if (options.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(grads, options.clipNorm);
      try {
        optimizer.applyGradients(clipped);
      } finally {
        tf.dispose(Object.values(clipped));
      }
    } else {
      optimizer.applyGradients(grads);
    }
    return tf.tidy(() => tf.stack([value, reconstruction as tf.Scalar, kl as tf.Scalar]) as tf.Tensor1D);
  } finally {
    tf.dispose([value, ...(reconstruction ? [reconstruction] : []), ...(kl ? [kl] : []), ...Object.values(grads)]);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `clipNorm` (no read-back).
 *
 * @param grads - Gradients by variable name.
 * @param clipNorm - The largest allowed global norm.
 * @returns New tensors, owned by the caller.
 * @category Training
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    const norm = tf.sqrt(tf.addN(squares));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n] as tf.Tensor, scale);
    return out as unknown as tf.TensorContainer;
  }) as unknown as tf.NamedTensorMap;
}
