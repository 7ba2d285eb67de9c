import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ModelFormatError } from '../errors/index.js';
import { type LoadVAEOptions, loadVAEWithExtras } from '../io/load-vae.js';
import type { VAEDestination } from '../io/save-vae.js';
import type { VAE } from '../models/vae.js';
import type { Callback, MonitoredLog } from './callbacks.js';
import type { EpochLogs } from './logs.js';

/** Name of the file that holds the optimizer's state inside a checkpoint folder. */
export const OPTIMIZER_FILE = 'optimizer.bin';

/**
 * The training state saved in a checkpoint's `vae.json` (`trainingState`).
 *
 * @category Training
 */
export interface CheckpointState {
  /** Marks the state as written by `fit`. */
  kind: 'vae-checkpoint';
  /** Version of this structure. */
  version: 1;
  /** Epochs completed; a resumed run starts with this epoch. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** The run's seed: shuffles and sampling noise derive from it, so resuming repeats them exactly. */
  seed: number;
  /** The per-epoch logs so far. */
  history: EpochLogs[];
  /** How to rebuild the optimizer and read its weights from `optimizer.bin`. */
  optimizer: {
    /** The tfjs class name, e.g. `'Adam'`. */
    className: string;
    /** The optimizer's `getConfig()`. */
    config: tf.serialization.ConfigDict;
    /** Specs of the weights stored in `optimizer.bin`. */
    weightSpecs: tf.io.WeightsManifestEntry[];
  };
}

/**
 * What `fit` needs to continue a run: the saved state and the optimizer's weights.
 * Pass it as `fit`'s `resume` option; it holds no tensors.
 *
 * @category Training
 */
export interface ResumeState {
  /** The saved training state. */
  readonly state: CheckpointState;
  /** The optimizer's weights, encoded as in `optimizer.bin`. */
  readonly optimizerWeights: Uint8Array;
}

/** Internal: encodes an optimizer's weights (moments, iteration count) for a checkpoint. */
export async function captureOptimizer(
  optimizer: tf.Optimizer,
): Promise<{ meta: CheckpointState['optimizer']; bytes: Uint8Array }> {
  const named = await optimizer.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return {
      meta: { className: optimizer.getClassName(), config: optimizer.getConfig(), weightSpecs: specs },
      bytes: new Uint8Array(data),
    };
  } finally {
    // The first entry (the iteration count) is a new tensor; the rest are the optimizer's own variables.
    const iterations = named.find((n) => n.name === 'iter');
    iterations?.tensor.dispose();
  }
}

/** Internal: makes the optimizer a checkpoint describes, when the caller did not pass one. */
export function rebuildOptimizer(meta: CheckpointState['optimizer']): tf.Optimizer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[meta.className];
  if (!entry) {
    throw new ModelFormatError(
      `loadCheckpoint: the checkpoint's optimizer class '${meta.className}' is not registered. Pass the optimizer to fit({ optimizer }).`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, meta.config) as tf.Optimizer;
}

/** Internal: loads a checkpoint's optimizer weights into `optimizer`. */
export async function restoreOptimizer(optimizer: tf.Optimizer, resume: ResumeState): Promise<void> {
  const { weightSpecs } = resume.state.optimizer;
  const bytes = resume.optimizerWeights;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buffer, weightSpecs);
  const list = weightSpecs.map((spec) => ({ name: spec.name, tensor: map[spec.name] as tf.Tensor }));
  try {
    await optimizer.setWeights(list);
  } finally {
    tf.dispose(Object.values(map));
  }
}

/** Internal: checks that a model's saved training state is a checkpoint `fit` can resume. */
export function toResumeState(
  trainingState: unknown,
  extraFiles: Record<string, Uint8Array> | undefined,
  location: string,
): ResumeState {
  const s = trainingState as Partial<CheckpointState> | undefined;
  if (s?.kind !== 'vae-checkpoint') {
    throw new ModelFormatError(
      `loadCheckpoint: ${location} holds a model but no training state; it was saved with vae.save(), not as a checkpoint. Load it with loadVAE() and start a new fit.`,
      { location },
    );
  }
  if (s.version !== 1) {
    throw new ModelFormatError(
      `loadCheckpoint: ${location} has checkpoint version ${String(s.version)}; this version of @vae/core reads version 1. Upgrade @vae/core.`,
      { location },
    );
  }
  const bytes = extraFiles?.[OPTIMIZER_FILE];
  if (!bytes) {
    throw new ModelFormatError(`loadCheckpoint: ${location} lacks ${OPTIMIZER_FILE}; the checkpoint is incomplete.`, {
      location,
    });
  }
  return { state: s as CheckpointState, optimizerWeights: bytes };
}

/**
 * Options of {@link modelCheckpoint}.
 *
 * @category Training
 */
export interface ModelCheckpointOptions {
  /** Where the latest checkpoint goes (a URL such as `file://./runs/mnist/checkpoint`, or tf.io handlers). */
  path?: VAEDestination;
  /**
   * Write `path` every this many epochs (and after the last epoch).
   * @defaultValue `1`
   */
  every?: number;
  /** Where the checkpoint of the best epoch goes, if wanted. */
  bestPath?: VAEDestination;
  /**
   * The value that decides the best epoch (lower is better).
   * @defaultValue `'valLoss'` when validation data is given, otherwise `'loss'`
   */
  monitor?: MonitoredLog;
}

/**
 * Writes checkpoints during training: the latest every `every` epochs to `path`, and the best
 * epoch so far to `bestPath`. Writes on `file://` are atomic, so an interrupted write leaves the
 * previous checkpoint loadable. Resume with `loadCheckpoint(path)` and `fit(..., { resume })`.
 *
 * @param options - Paths, frequency and monitored value.
 * @returns A callback for `fit`'s `callbacks`.
 * @throws {@link ConfigError} when neither path is given or `every` is not a positive integer.
 * @example
 * ```ts
 * import { modelCheckpoint } from '@vae/core';
 *
 * const checkpoints = modelCheckpoint({ path: 'file://./runs/mnist/checkpoint', bestPath: 'file://./runs/mnist/best' });
 * // await vae.fit(x, { epochs: 10, callbacks: [checkpoints] });
 * ```
 * @category Training
 */
export function modelCheckpoint(options: ModelCheckpointOptions): Callback {
  const every = options.every ?? 1;
  if (!Number.isInteger(every) || every < 1) {
    throw new ConfigError(`modelCheckpoint: every must be a positive integer, got ${every}.`, {
      field: 'every',
      expected: 'a positive integer',
      got: every,
    });
  }
  if (options.path === undefined && options.bestPath === undefined) {
    throw new ConfigError(
      "modelCheckpoint: pass path and/or bestPath, e.g. { path: 'file://./runs/mnist/checkpoint' }.",
      { field: 'path', expected: 'a URL or tf.io handler', got: undefined },
    );
  }
  let best = Number.POSITIVE_INFINITY;
  return {
    onTrainBegin(context) {
      best = Number.POSITIVE_INFINITY;
      const monitor = options.monitor;
      for (const logs of context.history.epochs) {
        const value = logs[monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss')];
        if (value !== undefined && value < best) best = value;
      }
    },
    async onEpochEnd(logs, context) {
      const last = logs.epoch + 1 === context.epochs;
      if (options.path !== undefined && ((logs.epoch + 1) % every === 0 || last)) {
        await context.saveCheckpoint(options.path);
      }
      if (options.bestPath !== undefined) {
        const value = logs[options.monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss')];
        if (value !== undefined && value < best) {
          best = value;
          await context.saveCheckpoint(options.bestPath);
        }
      }
    },
  };
}

/**
 * A checkpoint read back: the model and what `fit` needs to continue.
 *
 * @category Training
 */
export interface LoadedCheckpoint {
  /** The model with the checkpoint's weights; the caller disposes it. */
  vae: VAE;
  /** Pass as `fit(data, { resume })` to continue the run. */
  resume: ResumeState;
}

/**
 * Loads a checkpoint written by {@link modelCheckpoint} (or `TrainingContext.saveCheckpoint`):
 * the model, and the optimizer state, counters, seed and history that let `fit` continue exactly
 * where the run stopped.
 *
 * @param source - Where the checkpoint was written (`file://...`, `indexeddb://...`, handlers).
 * @param options - Options of `loadVAE` (fetch function, request init).
 * @returns The model and the resume state.
 * @throws {@link ModelFormatError} for a missing, corrupt or non-checkpoint folder.
 * @example
 * ```ts
 * import { loadCheckpoint } from '@vae/core';
 *
 * // const { vae, resume } = await loadCheckpoint('file://./runs/mnist/checkpoint');
 * // await vae.fit(x, { epochs: 20, resume });
 * ```
 * @category Training
 */
export async function loadCheckpoint(source: VAEDestination, options: LoadVAEOptions = {}): Promise<LoadedCheckpoint> {
  const loaded = await loadVAEWithExtras(source, options);
  try {
    const resume = toResumeState(
      loaded.trainingState,
      loaded.extraFiles,
      typeof source === 'string' ? source : 'handlers',
    );
    return { vae: loaded.vae, resume };
  } catch (error) {
    loaded.vae.dispose();
    throw error;
  }
}
