import { type Callback, csvLogger, jsonLinesLogger, tensorBoardLogger } from '@vae/core';
import type { RunFolder } from './run-folder.js';

/** The log files {@link runLoggers} writes into a run folder, as the CLI lists them. */
export const RUN_LOG_FILES = ['log.csv', 'log.jsonl', 'tensorboard/'] as const;

/**
 * The training logs a run writes into its folder beside `history.json`, as `fit` callbacks: the
 * one place where `vae train` (and `vae demo`, and `--resume`) add a log format. `history.json`
 * itself is written by the train command, which also reads it back for the report; these are for
 * tools: `log.csv` (one row per epoch, Keras's CSVLogger columns) for a spreadsheet, `log.jsonl`
 * (epochs and every loss read-back) for `jq`, and `tensorboard/` for
 * `tensorboard --logdir <run>/tensorboard`. A resumed run appends to the first two and adds an
 * event file to the third.
 */
export function runLoggers(run: RunFolder, options: { resumed: boolean }): Callback[] {
  const append = options.resumed;
  return [
    csvLogger(run.path('log.csv'), { append }),
    jsonLinesLogger(run.path('log.jsonl'), { append, batches: true }),
    tensorBoardLogger({ logDir: run.path('tensorboard') }),
  ];
}
