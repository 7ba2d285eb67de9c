import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import type { ResumeState } from './checkpoint.js';
import { type EpochSource, resolveData, type TrainingData } from './data.js';
import type { FitOptions } from './fit.js';
import { mixSeed } from './random.js';
import { resolveSchedule, type Schedule } from './schedules.js';
import type { TrainableVAE } from './types.js';

/**
 * Internal: the defaults of `fit`'s options.
 *
 */
export const FIT_DEFAULTS: Readonly<FitDefaults> = Object.freeze({
  epochs: 1,
  batchSize: 32,
  shuffle: true,
  logInterval: 20,
  learningRate: 1e-3,
});

/**
 * The shape of {@link FIT_DEFAULTS}.
 *
 */
export interface FitDefaults {
  /** Epochs to reach. */
  epochs: number;
  /** Examples per batch. */
  batchSize: number;
  /** Shuffle every epoch. */
  shuffle: boolean;
  /** Batches between loss read-backs. */
  logInterval: number;
  /** Adam's learning rate when the loop makes the optimizer. */
  learningRate: number;
}

/**
 * A training run's validated settings and data, as {@link resolveFitSetup} returns them.
 *
 */
export interface FitSetup {
  /** The epoch count to reach. */
  epochs: number;
  /** Examples per batch. */
  batchSize: number;
  /** Batches between loss read-backs. */
  logInterval: number;
  /** Whether to shuffle every epoch. */
  shuffle: boolean;
  /** The run's seed (the checkpoint's when resuming). */
  seed: number;
  /** The global-norm clip, when asked for. */
  clipNorm: number | undefined;
  /** Whether the model uses labels; unconditional models ignore labels in the data. */
  conditional: boolean;
  /** The training batches. */
  train: EpochSource;
  /** The validation batches, when validation was asked for. */
  validation: EpochSource | undefined;
  /** The KL weight per step. */
  klWarmup: Schedule;
}

function positiveInteger(where: string, field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${where}: ${field} must be a positive integer, got ${String(value)}.`, {
      field,
      expected: 'a positive integer',
      got: value,
    });
  }
  return value;
}

/**
 * Internal: validates `fit`'s options and resolves the data.
 *
 * @param model - The model to train.
 * @param data - Training data in any form `fitVAE` accepts.
 * @param options - The loop's options.
 * @param context - `where` names the loop in messages; `knownOptions` lists the option names it takes.
 * @returns The validated settings and the resolved training and validation data.
 * @throws {@link ConfigError} for an unknown option, a bad value, a `resume` that is not a
 *   checkpoint's resume state, or labels for an unconditional model.
 * @throws {@link ShapeError} for data whose labels do not match its examples.
 */
export function resolveFitSetup(
  model: TrainableVAE,
  data: TrainingData,
  options: FitOptions,
  context: { where: string; knownOptions: ReadonlySet<string> },
): FitSetup {
  const { where, knownOptions } = context;
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) {
      throw new ConfigError(`${where}: unknown option '${key}'. Known options: ${[...knownOptions].join(', ')}.`, {
        field: key,
        expected: 'a known option',
        got: (options as Record<string, unknown>)[key],
      });
    }
  }
  const epochs = positiveInteger(where, 'epochs', options.epochs ?? FIT_DEFAULTS.epochs);
  const batchSize = positiveInteger(where, 'batchSize', options.batchSize ?? FIT_DEFAULTS.batchSize);
  const logInterval = positiveInteger(where, 'logInterval', options.logInterval ?? FIT_DEFAULTS.logInterval);
  const resume = options.resume as Partial<ResumeState> | undefined;
  if (
    resume !== undefined &&
    (resume?.state?.kind !== 'vae-checkpoint' || !(resume.optimizerWeights instanceof Uint8Array))
  ) {
    throw new ConfigError(
      `${where}: resume must be the resume state of loadCheckpoint(). Pass \`(await loadCheckpoint(path)).resume\`.`,
      { field: 'resume', expected: 'a ResumeState', got: typeof resume },
    );
  }
  const seed = options.resume?.state.seed ?? options.seed ?? Math.floor(Math.random() * 0x7fffffff);
  if (!Number.isInteger(seed)) {
    throw new ConfigError(`${where}: seed must be an integer, got ${seed}.`, {
      field: 'seed',
      expected: 'an integer',
      got: seed,
    });
  }
  const split = options.validationSplit;
  if (split !== undefined && !(split >= 0 && split < 1)) {
    throw new ConfigError(`${where}: validationSplit must lie in [0, 1), got ${split}. Use e.g. 0.3 for 30%.`, {
      field: 'validationSplit',
      expected: 'a number in [0, 1)',
      got: split,
    });
  }
  if (split && options.validationData !== undefined) {
    throw new ConfigError(`${where}: pass validationSplit or validationData, not both.`, {
      field: 'validationData',
      expected: 'only one validation option',
      got: 'both',
    });
  }
  const clipNorm = options.clipNorm;
  if (clipNorm !== undefined && !(clipNorm > 0 && Number.isFinite(clipNorm))) {
    throw new ConfigError(`${where}: clipNorm must be a positive number, got ${clipNorm}.`, {
      field: 'clipNorm',
      expected: 'a positive number',
      got: clipNorm,
    });
  }
  const conditional = (model.numClasses ?? 0) > 0;
  if (options.labels !== undefined && !conditional) {
    throw new ConfigError(
      `${where}: labels were given but the model is unconditional (numClasses 0). Leave labels out, or build a conditional model with buildConditionalVAE.`,
      { field: 'labels', expected: 'no labels for an unconditional model', got: 'a tensor' },
    );
  }
  const trainingData: TrainingData =
    options.labels !== undefined && data instanceof tf.Tensor ? { x: data, labels: options.labels } : data;
  const resolved = resolveData(trainingData, {
    batchSize,
    where,
    ...(split !== undefined ? { validationSplit: split } : {}),
  });
  const validation =
    resolved.validation ??
    (options.validationData !== undefined
      ? resolveData(options.validationData, { batchSize, where: `${where} (validationData)` }).train
      : undefined);
  return {
    epochs,
    batchSize,
    logInterval,
    shuffle: options.shuffle ?? FIT_DEFAULTS.shuffle,
    seed,
    clipNorm,
    conditional,
    train: resolved.train,
    validation,
    klWarmup: resolveSchedule(options.klWarmup ?? 1, 'klWarmup'),
  };
}

/**
 * Internal: the seeds a run derives from its seed: each epoch's shuffle, each step's
 * reparameterization noise (which every engine draws from the seed the loop hands it), and
 * validation's noise.
 *
 */
export const fitSeeds = Object.freeze({
  /**
   * The shuffle of an epoch.
   * @param seed - The run's seed.
   * @param epoch - The epoch, 0-based.
   * @returns A 31-bit seed.
   */
  shuffle: (seed: number, epoch: number): number => mixSeed(seed, epoch),
  /**
   * The reparameterization noise of an optimizer step.
   * @param seed - The run's seed.
   * @param step - The step, 0-based over the whole run.
   * @returns A 31-bit seed.
   */
  noise: (seed: number, step: number): number => mixSeed(seed ^ 0x2545f491, step),
  /**
   * Validation's noise (its batches then mix in their index).
   * @param seed - The run's seed.
   * @returns A 31-bit seed.
   */
  validation: (seed: number): number => mixSeed(seed, 0x5eed),
});

/**
 * Mean loss terms of a validation pass, in nats per example.
 *
 */
export interface ValidationLosses {
  /** Mean loss with the current KL weight. */
  loss: number;
  /** Mean reconstruction term. */
  reconstruction: number;
  /** Mean KL term. */
  kl: number;
}

/**
 * The mean loss terms of a validation pass, in nats per example: one unshuffled pass over
 * `source` with the model in inference mode, summed on the device and read back once.
 *
 * @param model - The model.
 * @param source - The validation batches (from {@link resolveFitSetup}); batches it owns are disposed.
 * @param options - The KL weight of the current step, the validation seed (see {@link fitSeeds}),
 *   and whether the model uses labels.
 * @returns The means of `total`, `reconstruction` and `kl`, or `undefined` when `source` is empty.
 */
export async function validationLosses(
  model: TrainableVAE,
  source: EpochSource,
  options: { klWeight: number; seed: number; conditional: boolean },
): Promise<ValidationLosses | undefined> {
  const { klWeight, seed, conditional } = options;
  let sums: tf.Tensor1D | null = null;
  let examples = 0;
  let batchIndex = 0;
  for await (const batch of source.epoch({ shuffle: false, seed })) {
    try {
      const n = batch.x.shape[0] as number;
      const next: tf.Tensor1D = tf.tidy(() => {
        const t = model.lossTerms(batch.x, {
          ...(conditional && batch.labels ? { labels: batch.labels } : {}),
          klWeight,
          seed: mixSeed(seed, batchIndex),
          training: false,
          // The first batch is checked against the likelihood's support; the rest would cost a
          // read-back each.
          checkData: batchIndex === 0,
        });
        const row = tf.mul(tf.stack([t.total, t.reconstruction, t.kl]), n) as tf.Tensor1D;
        return sums ? tf.add(sums, row) : row;
      });
      sums?.dispose();
      sums = next;
      examples += n;
      batchIndex += 1;
    } finally {
      if (source.ownsBatches) tf.dispose([batch.x, ...(batch.labels ? [batch.labels] : [])]);
    }
  }
  if (!sums) return undefined;
  const [loss, reconstruction, kl] = Array.from(await (sums as tf.Tensor1D).data()) as [number, number, number];
  (sums as tf.Tensor1D).dispose();
  return { loss: loss / examples, reconstruction: reconstruction / examples, kl: kl / examples };
}
