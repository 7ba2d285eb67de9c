import type { BatchLogs, EpochLogs } from '../training/logs.js';

/**
 * Logged values under Keras names: `loss`, `val_loss`, our own terms in snake case
 * (`reconstruction`, `kl`, `kl_weight`, `learning_rate`, ...), numbers only.
 *
 * @category Logging
 */
export type KerasLogs = Record<string, number>;

/** Every name an epoch row can have, in the order Keras' CSVLogger writes columns (sorted). */
export const EPOCH_LOG_NAMES = [
  'beta',
  'kl',
  'kl_weight',
  'learning_rate',
  'loss',
  'reconstruction',
  'seconds',
  'val_kl',
  'val_loss',
  'val_reconstruction',
] as const;

/**
 * An epoch's logs under Keras names, in {@link EPOCH_LOG_NAMES} order; validation terms only
 * when validation ran. The epoch itself is not included (it is the callback's first argument).
 */
export function kerasEpochLogs(logs: EpochLogs): KerasLogs {
  const all: Record<(typeof EPOCH_LOG_NAMES)[number], number | undefined> = {
    beta: logs.beta,
    kl: logs.kl,
    kl_weight: logs.klWeight,
    learning_rate: logs.learningRate,
    loss: logs.loss,
    reconstruction: logs.reconstruction,
    seconds: logs.seconds,
    val_kl: logs.valKl,
    val_loss: logs.valLoss,
    val_reconstruction: logs.valReconstruction,
  };
  const out: KerasLogs = {};
  for (const name of EPOCH_LOG_NAMES) {
    const value = all[name];
    if (typeof value === 'number') out[name] = value;
  }
  return out;
}

/**
 * A batch's loss terms and schedules under Keras names, without `batch` and `size`. The loss
 * terms are the means of the last logging interval; before the epoch's first read-back they are
 * unknown (`NaN` in {@link BatchLogs}) and left out, so a value is never `NaN` for want of a
 * read-back.
 */
export function kerasBatchLogs(logs: BatchLogs): KerasLogs {
  const all: Record<string, number> = {
    kl: logs.kl,
    kl_weight: logs.klWeight,
    learning_rate: logs.learningRate,
    loss: logs.loss,
    reconstruction: logs.reconstruction,
  };
  const out: KerasLogs = {};
  for (const [name, value] of Object.entries(all)) {
    if (!Number.isNaN(value)) out[name] = value;
  }
  return out;
}

/** The fields of a row of the CSV and JSON Lines logs, in order: `epoch`, then with batch rows `batch` and `step`, then {@link EPOCH_LOG_NAMES}. */
export function rowColumns(batches: boolean): string[] {
  return ['epoch', ...(batches ? ['batch', 'step'] : []), ...EPOCH_LOG_NAMES];
}

/** An epoch row: `epoch`, `step` when given (logs with batch rows), then the epoch's logs. */
export function epochRow(logs: EpochLogs, step: number | undefined): KerasLogs {
  return { epoch: logs.epoch, ...(step === undefined ? {} : { step }), ...kerasEpochLogs(logs) };
}

/** A batch row: `epoch`, `batch`, `step`, then the batch's logs. */
export function batchRow(logs: BatchLogs): KerasLogs {
  return { epoch: logs.epoch, batch: logs.batch, step: logs.step, ...kerasBatchLogs(logs) };
}
