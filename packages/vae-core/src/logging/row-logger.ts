import { ConfigError } from '../errors/index.js';
import type { Callback } from '../training/callbacks.js';
import { batchRow, epochRow, type KerasLogs, rowColumns } from './keras-logs.js';
import { checkDestination, type LogWriter, lineLog } from './line-log.js';

/** How a row logger spells its rows. */
export interface RowFormat {
  /** The header line (ending in `\n`), or `undefined` for a format without one. */
  header(columns: readonly string[]): string | undefined;
  /** One row (ending in `\n`); `values` holds a subset of `columns`. */
  row(values: KerasLogs, columns: readonly string[]): string;
}

/** The options every row logger shares. */
export interface RowLoggerSettings {
  /** Keep what the file holds and add rows after it. */
  append: boolean;
  /** Also write a row at each loss read-back during an epoch. */
  batches: boolean;
}

/**
 * A callback that writes one row per epoch (and per logged batch when asked) to a file or a
 * write function. Rows are appended with one write each and epoch rows are flushed to the disk,
 * so a run that is interrupted keeps every finished epoch's row.
 */
export function rowLogger(
  where: string,
  destination: string | LogWriter,
  settings: RowLoggerSettings,
  format: RowFormat,
): Callback {
  checkDestination(where, destination);
  const { append, batches } = settings;
  const columns = rowColumns(batches);
  const log = lineLog(where, destination, append);
  return {
    async onTrainBegin() {
      const { firstLine } = await log.open();
      const header = format.header(columns);
      if (header === undefined) return;
      if (firstLine === undefined) {
        // Appending to a function's output: what came before already had its header.
        if (!(append && typeof destination === 'function')) await log.append(header, true);
        return;
      }
      const expected = header.replace(/\r?\n$/, '');
      if (firstLine.replace(/\r$/, '') !== expected) {
        const shown = firstLine.length > 200 ? `${firstLine.slice(0, 200)}...` : firstLine;
        throw new ConfigError(
          `${where}: cannot append to ${String(destination)}: its header is '${shown}', but this logger writes '${expected}'. Append to a log written with the same options, pass append: false to start it anew, or choose another file.`,
          { field: 'append', expected: expected, got: shown },
        );
      }
    },
    async onBatchEnd(logs) {
      if (batches && logs.fresh) await log.append(format.row(batchRow(logs), columns), false);
    },
    async onEpochEnd(logs, context) {
      const row = epochRow(logs, batches ? context.history.steps : undefined);
      await log.append(format.row(row, columns), true);
    },
  };
}
