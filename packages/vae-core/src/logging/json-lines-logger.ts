import type { Callback } from '../training/callbacks.js';
import type { LogWriter } from './line-log.js';
import { rowLogger } from './row-logger.js';

/**
 * Options of {@link jsonLinesLogger}.
 *
 * @category Logging
 */
export interface JsonLinesLoggerOptions {
  /**
   * Keep the lines already in the file and add after them (to continue a resumed run's log).
   * @defaultValue `false` (the file is emptied when training begins)
   */
  append?: boolean;
  /**
   * Also write a line at each loss read-back during an epoch (every `logInterval` batches of
   * `fit`), with `batch` and `step`; epoch lines then carry `step` too.
   * @defaultValue `false`
   */
  batches?: boolean;
}

/**
 * Writes one JSON object per line and epoch (JSON Lines): `{"epoch":0,"beta":1,"kl":...,"loss":...}`
 * with the same Keras names as {@link csvLogger}'s columns, in the same order, leaving out the
 * ones without a value. Numbers keep full precision; a non-finite value is written as `null`.
 * A line with `batch` is a batch line (with `batches: true`).
 *
 * Written like {@link csvLogger}'s file: one append per line, each epoch's line flushed to the
 * disk, the file created or emptied when training begins; a line cut short by a crash is
 * followed by the next run's lines on a new line.
 *
 * @param destination - A file path or `file://` URL (Node), or a {@link LogWriter} function
 *   that receives each line, ending in `\n`.
 * @param options - Append, batch lines.
 * @returns A callback for `fit`'s `callbacks`.
 * @throws {@link ConfigError} for a bad destination (at once), or a path where there is no file
 *   system (when training begins).
 * @throws {@link PersistenceError} when the file cannot be written, naming it and the cause.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, jsonLinesLogger } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const x = tf.randomUniform([64, 16]);
 * const lines: string[] = [];
 * await vae.fit(x, {
 *   epochs: 2,
 *   batchSize: 16,
 *   callbacks: [jsonLinesLogger('runs/log.jsonl'), jsonLinesLogger((line) => void lines.push(line))],
 * });
 * console.log(lines.map((line) => JSON.parse(line).loss));
 * ```
 * @category Logging
 */
export function jsonLinesLogger(destination: string | LogWriter, options: JsonLinesLoggerOptions = {}): Callback {
  return rowLogger(
    'jsonLinesLogger',
    destination,
    { append: options.append ?? false, batches: options.batches ?? false },
    {
      header: () => undefined,
      row: (values, columns) => {
        const ordered: Record<string, number | null> = {};
        for (const c of columns) {
          const value = values[c];
          if (value !== undefined) ordered[c] = Number.isFinite(value) ? value : null;
        }
        return `${JSON.stringify(ordered)}\n`;
      },
    },
  );
}
