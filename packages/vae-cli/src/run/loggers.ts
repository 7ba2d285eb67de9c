import type { Callback } from '@vae/core';
import type { RunFolder } from './run-folder.js';

/**
 * The training logs a run writes into its folder beside `history.json`, as `fit` callbacks: the
 * one place where `vae train` (and `vae demo`, and `--resume`) add a log format. `history.json`
 * itself is written by the train command, which also reads it back for the report; the other
 * formats are for tools (a spreadsheet, `jq`, TensorBoard) and go here, appending on resume.
 * None yet.
 */
export function runLoggers(_run: RunFolder): Callback[] {
  return [];
}
