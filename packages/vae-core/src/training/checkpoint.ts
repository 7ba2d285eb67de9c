import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ModelFormatError } from '../errors/index.js';
import { type LoadVAEOptions, loadVAEWithExtras } from '../io/load-vae.js';
import type { VAEDestination } from '../io/save-vae.js';
import type { VAE } from '../models/vae.js';
import type { Callback, MonitoredLog } from './callbacks.js';
import type { EpochLogs } from './logs.js';
import type { TrainableVAE } from './types.js';

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
  /** Version of this structure: 2 carries `model`; version 1 (without it) still resumes. */
  version: 1 | 2;
  /**
   * What the checkpoint was written for, so a resume with another model (or another model's
   * weights) is refused instead of training on silently. Absent in version 1.
   */
  model?: CheckpointModel;
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
 * The model a checkpoint belongs to, as {@link CheckpointState.model} records it.
 *
 * @category Training
 */
export interface CheckpointModel {
  /**
   * A digest of the architecture and training setup: the model's config (its builder and
   * architecture, likelihood, beta, free bits, shapes; not its initialization seed) and the
   * shapes of its trainable variables in order.
   */
  fingerprint: string;
  /** The same for people: builder, latent size, likelihood and variable count. */
  description: string;
  /** A digest of the trainable variables' values when the checkpoint was written. */
  weights: string;
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
  if (s.version !== 1 && s.version !== 2) {
    throw new ModelFormatError(
      `loadCheckpoint: ${location} has checkpoint version ${String(s.version)}; this version of @vae/core reads versions 1 and 2. Upgrade @vae/core.`,
      { location },
    );
  }
  checkStateFields(s, location);
  const bytes = extraFiles?.[OPTIMIZER_FILE];
  if (!bytes) {
    throw new ModelFormatError(`loadCheckpoint: ${location} lacks ${OPTIMIZER_FILE}; the checkpoint is incomplete.`, {
      location,
    });
  }
  const optimizer = s.optimizer as CheckpointState['optimizer'];
  const expected = optimizer.weightSpecs.reduce(
    (sum, spec) =>
      sum + spec.shape.reduce((a, b) => a * b, 1) * (spec.dtype === 'int32' || spec.dtype === 'float32' ? 4 : 0),
    0,
  );
  if (bytes.byteLength !== expected) {
    throw new ModelFormatError(
      `loadCheckpoint: ${location}/${OPTIMIZER_FILE} holds ${bytes.byteLength} bytes, but the optimizer's weight specs in vae.json describe ${expected}; the file is truncated or belongs to another checkpoint. Resume from an intact checkpoint (the previous one is kept beside it on file://).`,
      { location: `${location}/${OPTIMIZER_FILE}` },
    );
  }
  return { state: s as CheckpointState, optimizerWeights: bytes };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks every field of a checkpoint's state before anything uses it. */
function checkStateFields(s: Partial<CheckpointState>, location: string): void {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new ModelFormatError(
      `loadCheckpoint: ${location}/vae.json's trainingState.${field} must be ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}. The checkpoint is damaged: resume from an intact one.`,
      { location: `${location}/vae.json` },
    );
  };
  if (!isCount(s.epoch)) bad('epoch', 'an integer >= 0', s.epoch);
  if (!isCount(s.step)) bad('step', 'an integer >= 0', s.step);
  if (!Number.isInteger(s.seed)) bad('seed', 'an integer', s.seed);
  if (!Array.isArray(s.history) || s.history.length !== s.epoch) {
    bad('history', `a list of ${String(s.epoch)} epoch logs (one per completed epoch)`, s.history?.length);
  }
  for (const [i, logs] of (s.history as unknown[]).entries()) {
    const l = logs as Partial<EpochLogs> | null;
    if (l === null || typeof l !== 'object' || l.epoch !== i || typeof l.loss !== 'number') {
      bad(`history[${i}]`, `the logs of epoch ${i} (with epoch and loss)`, logs);
    }
  }
  const o = s.optimizer as Partial<CheckpointState['optimizer']> | undefined;
  if (typeof o?.className !== 'string' || o.className === '') bad('optimizer.className', 'a class name', o?.className);
  if (o?.config === null || typeof o?.config !== 'object') bad('optimizer.config', 'an object', o?.config);
  if (!Array.isArray(o?.weightSpecs)) bad('optimizer.weightSpecs', 'a list of weight specs', o?.weightSpecs);
  for (const [i, spec] of (o?.weightSpecs ?? []).entries()) {
    const ok =
      spec !== null &&
      typeof spec === 'object' &&
      typeof spec.name === 'string' &&
      Array.isArray(spec.shape) &&
      spec.shape.every(isCount) &&
      spec.shape.reduce((a, b) => a * b, 1) <= 2 ** 28 &&
      (spec.dtype === 'float32' || spec.dtype === 'int32');
    if (!ok)
      bad(`optimizer.weightSpecs[${i}]`, 'a { name, shape, dtype: float32 | int32 } of at most 2^28 values', spec);
  }
  if (s.model !== undefined) {
    const m = s.model as Partial<CheckpointModel>;
    for (const key of ['fingerprint', 'description', 'weights'] as const) {
      if (typeof m[key] !== 'string') bad(`model.${key}`, 'a string', m[key]);
    }
  }
}

/** A 53-bit digest (cyrb53) of a string or of bytes, as 14 hex digits: stable across runs and platforms. */
function digest(data: string | Uint8Array): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const c = typeof data === 'string' ? data.charCodeAt(i) : (data[i] as number);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** JSON with sorted keys, so equal configs give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The architecture fingerprint and description of a model (no read-back). */
function architectureOf(model: TrainableVAE): { fingerprint: string; description: string } {
  // The initialization seed is not the architecture (the weights digest covers the weights).
  const { seed: _seed, ...config } = model.config as Record<string, unknown>;
  if (config.architecture !== null && typeof config.architecture === 'object') {
    const { seed: _architectureSeed, ...architecture } = config.architecture as Record<string, unknown>;
    config.architecture = architecture;
  }
  const shapes = model.trainableVariables.map((v) => v.shape);
  const c = config as { builder?: string; latentDim?: number; likelihood?: { kind?: string } };
  const parameters = shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  return {
    fingerprint: digest(canonical({ config, shapes })),
    description: `${c.builder ?? 'a custom model'}${c.latentDim === undefined ? '' : `, latent ${c.latentDim}`}${c.likelihood?.kind === undefined ? '' : `, ${c.likelihood.kind} likelihood`}, ${shapes.length} variables, ${parameters} parameters`,
  };
}

/** A digest of the model's trainable variables' values (one read-back of every weight). */
async function weightsDigestOf(model: TrainableVAE): Promise<string> {
  const parts = await Promise.all(
    model.trainableVariables.map(async (v) => {
      const values = await v.data();
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    }),
  );
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return digest(all);
}

/** Internal: what a checkpoint records of the model it is written for. */
export async function checkpointModelOf(model: TrainableVAE): Promise<CheckpointModel> {
  return { ...architectureOf(model), weights: await weightsDigestOf(model) };
}

/**
 * Internal: refuses to resume a checkpoint with a model it was not written for (another
 * architecture or training setup, or the right one with other weights), before anything trains.
 *
 * @throws ModelFormatError naming both models and the fix.
 */
export async function checkResumeModel(model: TrainableVAE, resume: ResumeState, where: string): Promise<void> {
  const saved = resume.state.model;
  if (saved === undefined) return; // a version 1 checkpoint knows nothing of its model
  const here = architectureOf(model);
  if (here.fingerprint !== saved.fingerprint) {
    throw new ModelFormatError(
      `${where}: the checkpoint was written for another model (${saved.description}; fingerprint ${saved.fingerprint}) than the one being trained (${here.description}; fingerprint ${here.fingerprint}). Resume with the model loadCheckpoint() returns: const { vae, resume } = await loadCheckpoint(path); await vae.fit(data, { resume }).`,
      { location: 'resume' },
    );
  }
  const weights = await weightsDigestOf(model);
  if (weights !== saved.weights) {
    throw new ModelFormatError(
      `${where}: the model being trained has the checkpoint's architecture (${saved.description}) but not its weights (digest ${weights}, the checkpoint's ${saved.weights}): its optimizer state would continue from other weights. Resume with the model loadCheckpoint() returns: const { vae, resume } = await loadCheckpoint(path); await vae.fit(data, { resume }).`,
      { location: 'resume' },
    );
  }
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
