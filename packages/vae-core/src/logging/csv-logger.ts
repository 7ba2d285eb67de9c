import { ConfigError } from '../errors/index.js';
import type { Callback } from '../training/callbacks.js';
import type { LogWriter } from './line-log.js';
import { rowLogger } from './row-logger.js';

/**
 * Options of {@link csvLogger}.
 *
 * @category Logging
 */
export interface CsvLoggerOptions {
  /**
   * The character between fields: one character, not a letter, digit, `.`, `+`, `-`, quote or
   * line break.
   * @defaultValue `','`
   */
  separator?: string;
  /**
   * Keep the rows already in the file and add after them (to continue a resumed run's log).
   * The file's header must match this logger's; an empty or missing file gets the header. With a
   * write function, `true` writes no header.
   * @defaultValue `false` (the file is emptied when training begins)
   */
  append?: boolean;
  /**
   * Also write a row at each loss read-back during an epoch (every `logInterval` batches of
   * `fit`), with the columns `batch` and `step` added after `epoch`. Epoch rows then have
   * `batch` `NA` and the optimizer step reached.
   * @defaultValue `false`
   */
  batches?: boolean;
}

/** Characters that would make a field ambiguous as a separator. */
const BAD_SEPARATOR = /^[A-Za-z0-9.+\-"'\r\n]$/;

/**
 * Writes one CSV row per epoch, as Keras' `CSVLogger(filename, separator, append)` does: a header
 * `epoch,beta,kl,kl_weight,learning_rate,loss,reconstruction,seconds,val_kl,val_loss,val_reconstruction`
 * (Keras names, sorted as Keras sorts them), then a row per epoch with every number at full
 * precision (the shortest text that reads back as the same double) and `NA` where there is no
 * value (validation terms without validation data). Losses are in nats per example.
 *
 * The file is written by appends, one write per row, and each epoch's row is flushed to the disk
 * before training goes on: a run that is interrupted keeps every finished epoch, and a row cut
 * short by a crash is followed by the next run's rows on a new line. Appending (rather than
 * rewriting the file atomically each epoch) keeps the cost per row constant and lets `tail -f`
 * and other readers follow the file as it grows. The file is created (with its folders) or
 * emptied when training begins, so a path that cannot be written fails before the first step.
 *
 * @param destination - A file path or `file://` URL (Node), or a {@link LogWriter} function
 *   that receives the header and each row, each ending in `\n`.
 * @param options - Separator, append, batch rows.
 * @returns A callback for `fit`'s `callbacks`.
 * @throws {@link ConfigError} for a bad destination or separator (at once); when training
 *   begins, for a file to append to whose header differs, or a path where there is no file system.
 * @throws {@link PersistenceError} when the file cannot be written, naming it and the cause.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { readFileSync } from 'node:fs';
 * import { buildMlpVAE, csvLogger } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const x = tf.randomUniform([64, 16]);
 * await vae.fit(x, { epochs: 2, batchSize: 16, callbacks: [csvLogger('runs/log.csv')] });
 * console.log(readFileSync('runs/log.csv', 'utf8'));
 * ```
 * @category Logging
 */
export function csvLogger(destination: string | LogWriter, options: CsvLoggerOptions = {}): Callback {
  const separator = options.separator ?? ',';
  if (typeof separator !== 'string' || separator.length !== 1 || BAD_SEPARATOR.test(separator)) {
    throw new ConfigError(
      `csvLogger: separator must be one character other than a letter, digit, '.', '+', '-', a quote or a line break, got ${JSON.stringify(separator)}. Pass e.g. { separator: ';' } or { separator: '\\t' }.`,
      { field: 'separator', expected: 'one separating character', got: separator },
    );
  }
  return rowLogger(
    'csvLogger',
    destination,
    { append: options.append ?? false, batches: options.batches ?? false },
    {
      header: (columns) => `${columns.join(separator)}\n`,
      row: (values, columns) =>
        `${columns.map((c) => (values[c] === undefined ? 'NA' : String(values[c]))).join(separator)}\n`,
    },
  );
}
