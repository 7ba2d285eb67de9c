import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import type { VAEDestination } from '../io/save-vae.js';
import type { EngineInfo } from './engine.js';
import type { BatchLogs, EpochLogs, History, StopReason } from './logs.js';
import type { TrainableVAE } from './types.js';

/**
 * What callbacks can see and do while `fit` runs.
 *
 * @category Training
 */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: TrainableVAE;
  /**
   * The optimizer, when it lives on this thread (the in-thread engine); `undefined` when the
   * engine's optimizers run elsewhere (worker threads).
   */
  readonly optimizer: tf.Optimizer | undefined;
  /** Epochs completed so far, including those of a resumed run. */
  readonly history: History;
  /** The total number of epochs this run aims for. */
  readonly epochs: number;
  /** What trains this run (see `FitOptions.engine`). */
  readonly engine: EngineInfo;
  /**
   * Brings the model's variables up to date with the engine's weights. The loop does this before
   * validation, `onEpochEnd`, `onTrainEnd` and checkpoints; a callback that reads the weights in
   * `onBatchEnd` (to draw progress pictures, say) awaits it first. Free on the in-thread engine;
   * on worker engines it copies every weight once.
   */
  syncModel(): Promise<void>;
  /**
   * Asks the loop to stop after the current batch; `fit` then returns normally.
   *
   * @param reason - Recorded as the history's `stopReason`.
   */
  stop(reason?: StopReason): void;
  /**
   * Writes a checkpoint (model, optimizer state, counters, history) that `loadCheckpoint` can
   * resume from. Atomic on `file://`. Called at an epoch's end, resuming continues with the next epoch.
   *
   * @param destination - A URL or `{ encoder, decoder }` tf.io handlers.
   */
  saveCheckpoint(destination: VAEDestination): Promise<void>;
}

/**
 * What `onBatchBegin` receives: where the loop is, before the step runs.
 *
 * @category Training
 */
export interface BatchBeginLogs {
  /** The epoch, 0-based. */
  epoch: number;
  /** The batch within the epoch, 0-based. */
  batch: number;
  /** Examples in this batch. */
  size: number;
}

/**
 * Hooks into the training loop. Every method is optional and may be async; `fit` awaits it.
 *
 * @example
 * ```ts
 * import type { Callback } from '@vae/core';
 *
 * const printer: Callback = {
 *   onEpochEnd: (logs) => console.log(`epoch ${logs.epoch + 1}: loss ${logs.loss.toFixed(2)} nats`),
 * };
 * ```
 * @category Training
 */
export interface Callback {
  /** Before the first batch. */
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** Before the first batch of an epoch. */
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  /** Before every step, once the batch is read and checked. */
  onBatchBegin?(logs: BatchBeginLogs, context: TrainingContext): void | Promise<void>;
  /** After every batch; loss values refresh once per logging interval (see {@link BatchLogs}). */
  onBatchEnd?(logs: BatchLogs, context: TrainingContext): void | Promise<void>;
  /** After an epoch and its validation. */
  onEpochEnd?(logs: EpochLogs, context: TrainingContext): void | Promise<void>;
  /** After the last epoch, or when training stopped early (not when it threw). */
  onTrainEnd?(history: History, context: TrainingContext): void | Promise<void>;
}

/**
 * Which logged value a callback watches: any numeric field of {@link EpochLogs}.
 *
 * @category Training
 */
export type MonitoredLog = 'loss' | 'valLoss' | 'reconstruction' | 'valReconstruction' | 'kl' | 'valKl';

/**
 * Options of {@link earlyStopping}.
 *
 * @category Training
 */
export interface EarlyStoppingOptions {
  /**
   * The value to watch (lower is better).
   * @defaultValue `'valLoss'` when validation data is given, otherwise `'loss'`
   */
  monitor?: MonitoredLog;
  /**
   * Epochs without improvement before stopping.
   * @defaultValue `5`
   */
  patience?: number;
  /**
   * The smallest decrease that counts as an improvement, in nats.
   * @defaultValue `0`
   */
  minDelta?: number;
  /**
   * Put back the weights of the best epoch when training stops (early or not).
   * @defaultValue `true`
   */
  restoreBestWeights?: boolean;
}

/**
 * A callback with the best epoch it has seen, for inspection after training.
 *
 * @category Training
 */
export interface EarlyStoppingCallback extends Callback {
  /** The best epoch so far (0-based), or -1 before the first epoch. */
  readonly bestEpoch: number;
  /** The best monitored value so far. */
  readonly bestValue: number;
}

/**
 * Stops training when the monitored loss has not improved for `patience` epochs, and by default
 * restores the weights of the best epoch.
 *
 * @param options - Monitored value, patience, minimum improvement and restore-best.
 * @returns A callback for `fit`'s `callbacks`.
 * @throws {@link ConfigError} for a negative patience or minDelta.
 * @example
 * ```ts
 * import { earlyStopping } from '@vae/core';
 *
 * const stopper = earlyStopping({ patience: 3 });
 * // await vae.fit(x, { epochs: 100, validationSplit: 0.2, callbacks: [stopper] });
 * ```
 * @category Training
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStoppingCallback {
  const patience = options.patience ?? 5;
  if (!Number.isInteger(patience) || patience < 0) {
    throw new ConfigError(`earlyStopping: patience must be a non-negative integer, got ${patience}.`, {
      field: 'patience',
      expected: 'a non-negative integer',
      got: patience,
    });
  }
  const minDelta = options.minDelta ?? 0;
  if (!(minDelta >= 0)) {
    throw new ConfigError(`earlyStopping: minDelta must be a non-negative number, got ${minDelta}.`, {
      field: 'minDelta',
      expected: 'a non-negative number',
      got: minDelta,
    });
  }
  const restore = options.restoreBestWeights ?? true;
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = -1;
  let wait = 0;
  let snapshot: tf.Tensor[] | null = null;
  const release = () => {
    if (snapshot) tf.dispose(snapshot);
    snapshot = null;
  };
  return {
    get bestEpoch() {
      return bestEpoch;
    },
    get bestValue() {
      return best;
    },
    onTrainBegin() {
      best = Number.POSITIVE_INFINITY;
      bestEpoch = -1;
      wait = 0;
      release();
    },
    onEpochEnd(logs, context) {
      const monitor = options.monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss');
      const value = logs[monitor];
      if (value === undefined) {
        throw new ConfigError(
          `earlyStopping: the logs have no '${monitor}'; pass validation data to fit, or monitor 'loss'.`,
          { field: 'monitor', expected: 'a logged value', got: monitor },
        );
      }
      if (value < best - minDelta) {
        best = value;
        bestEpoch = logs.epoch;
        wait = 0;
        if (restore) {
          release();
          snapshot = context.model.trainableVariables.map((v) => tf.clone(v));
        }
        return;
      }
      wait += 1;
      if (wait > patience) context.stop('earlyStopping');
    },
    onTrainEnd(_history, context) {
      if (restore && snapshot) {
        const vars = context.model.trainableVariables;
        snapshot.forEach((t, i) => {
          vars[i]?.assign(t);
        });
      }
      release();
    },
  };
}

/**
 * Options of {@link progressReporter}.
 *
 * @category Training
 */
export interface ProgressReporterOptions {
  /**
   * Where text goes. In a terminal pass `(s) => process.stdout.write(s)` with `live: true` for a
   * line redrawn in place.
   * @defaultValue `console.log` of each finished line
   */
  write?: (text: string) => void;
  /**
   * Redraw one line in place (`\r`) during an epoch; needs a terminal.
   * @defaultValue `false`
   */
  live?: boolean;
  /**
   * Without `live`: also write a line with the step, running loss, speed and ETA every this many
   * seconds during an epoch (for logs and CI). `0` writes only the epoch lines.
   * @defaultValue `0`
   */
  heartbeatSeconds?: number;
  /**
   * Width of the bar in characters.
   * @defaultValue `24`
   */
  width?: number;
  /**
   * Minimum milliseconds between redraws of the live line.
   * @defaultValue `200`
   */
  intervalMs?: number;
  /**
   * Clock in milliseconds (for tests).
   * @defaultValue `Date.now`
   */
  now?: () => number;
}

/**
 * Formats a duration as `42s`, `3m07s` or `2h05m` (`?` when unknown).
 *
 * @param s - Seconds.
 * @returns The duration for people.
 */
function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A loss for the progress line: a dash until the first read-back, never `NaN`. */
function shown(value: number, digits: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(digits);
}

/**
 * Prints training progress as Keras does: when `live`, one line redrawn in place during each
 * epoch with a bar, the step, the ETA, the running loss terms and images per second; without
 * `live`, a line every `heartbeatSeconds` if asked; and one line per epoch with the loss,
 * reconstruction, KL, validation loss and time. It says once, at the start, what trains the run
 * when that is not the in-thread default (`training: ...`) and why (a `  why: ...` line per
 * reason of an automatic choice). `fit` adds one by itself according to its
 * `verbose` option; add one yourself to send the lines elsewhere.
 *
 * @param options - Output function, live mode, heartbeat, bar width, redraw interval.
 * @returns A callback for `fit`'s `callbacks`.
 * @example
 * ```ts
 * import { progressReporter } from '@vae/core';
 *
 * const progress = progressReporter({ write: (s) => process.stdout.write(s), live: process.stdout.isTTY });
 * // await vae.fit(x, { epochs: 10, callbacks: [progress], verbose: 0 });
 * ```
 * @category Training
 */
export function progressReporter(options: ProgressReporterOptions = {}): Callback {
  const write = options.write ?? ((s: string) => console.log(s.replace(/\n$/, '')));
  const live = options.live ?? false;
  const width = options.width ?? 24;
  const intervalMs = live ? (options.intervalMs ?? 200) : (options.heartbeatSeconds ?? 0) * 1000;
  const now = options.now ?? Date.now;
  let epochStart = 0;
  let lastDraw = 0;
  let examples = 0;
  let epochs = 0;
  return {
    onTrainBegin(context) {
      epochs = context.epochs;
      const { engine } = context;
      const reasons = engine.reasons ?? [];
      if (engine.name !== 'in-thread' || engine.notice !== undefined || reasons.length > 0) {
        write(`training: ${engine.description}${engine.notice === undefined ? '' : ` (${engine.notice})`}\n`);
        for (const reason of reasons) write(`  why: ${reason}\n`);
      }
    },
    onEpochBegin() {
      epochStart = now();
      lastDraw = epochStart;
      examples = 0;
    },
    onBatchEnd(logs) {
      examples += logs.size;
      if (!live && intervalMs <= 0) return;
      const t = now();
      if (t - lastDraw < intervalMs) return;
      lastDraw = t;
      const elapsed = (t - epochStart) / 1000;
      const total = logs.batchesPerEpoch;
      const done = logs.batch + 1;
      const eta = total ? ` eta ${formatSeconds((elapsed / done) * (total - done))}` : '';
      const speed = elapsed > 0 ? `  ${Math.round(examples / elapsed)} img/s` : '';
      const loss = `loss ${shown(logs.loss, 2)} (rec ${shown(logs.reconstruction, 2)}, kl ${shown(logs.kl, 2)})`;
      if (live) {
        const fraction = total ? done / total : 0;
        const filled = Math.round(fraction * width);
        const bar = total ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}` : `${done} batches`;
        write(`\repoch ${logs.epoch + 1}/${epochs} ${bar} step ${logs.step}${eta}  ${loss}${speed}   `);
      } else {
        write(
          `  epoch ${logs.epoch + 1}/${epochs} batch ${done}${total ? `/${total}` : ''} step ${logs.step}  ${loss}${speed}${eta}\n`,
        );
      }
    },
    onEpochEnd(logs) {
      const val = logs.valLoss === undefined ? '' : `  val ${logs.valLoss.toFixed(3)}`;
      const speed = logs.seconds > 0 ? `  ${Math.round(logs.examples / logs.seconds)} img/s` : '';
      write(
        `${live ? '\r' : ''}epoch ${logs.epoch + 1}/${epochs}  loss ${logs.loss.toFixed(3)}  rec ${logs.reconstruction.toFixed(3)}  kl ${logs.kl.toFixed(3)}${val}  klw ${logs.klWeight.toFixed(3)}  lr ${logs.learningRate.toPrecision(3)}  ${formatSeconds(logs.seconds)}${speed}${live ? '          ' : ''}\n`,
      );
    },
  };
}
