import { stat } from 'node:fs/promises';
import type { CliIO } from '../cli/io.js';
import { plural } from '../cli/words.js';
import { RUN_LOG_FILES } from '../run/loggers.js';
import { formatSeconds } from '../run/progress.js';
import type { RunFolder, RunRecord } from '../run/run-folder.js';

/** The parts of a run after training, in the order they run. */
export type FinishingStage =
  | 'saving the model'
  | 'evaluating the model'
  | 'drawing the pictures'
  | 'writing the report';

/** How to redo each part by hand, from what the run kept. */
function rerunLines(stage: FinishingStage, shown: string): string[] {
  switch (stage) {
    case 'saving the model':
      return [
        `the checkpoint holds the trained weights: vae train --resume ${shown} --epochs <more than it trained> continues from it and saves the model`,
      ];
    case 'evaluating the model':
      return [`evaluate it: vae eval --run ${shown}`, `write the report: vae report --run ${shown}`];
    case 'drawing the pictures':
      return [
        `write the report: vae report --run ${shown}`,
        `draw pictures: vae sample --run ${shown}, vae reconstruct --run ${shown}, vae interpolate --run ${shown}`,
      ];
    case 'writing the report':
      return [`write the report: vae report --run ${shown}`];
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Records a run whose training finished but whose `stage` then failed: `config.json` gets status
 * `'failed'`, the training time and steps done, and the error; the lines on standard error say
 * what the run kept and how to redo the part that failed. Never throws: the caller rethrows
 * `error`, which must stay the error the user sees.
 */
export async function recordFailure(
  run: RunFolder,
  record: RunRecord,
  stage: FinishingStage,
  error: unknown,
  io: CliIO,
): Promise<void> {
  record.status = 'failed';
  record.failure = {
    stage,
    error: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? error.message : String(error),
  };
  record.updated = new Date().toISOString();
  let recorded = true;
  try {
    await run.writeJson('config.json', record);
  } catch {
    recorded = false;
  }
  const kept: string[] = [];
  for (const [file, what] of [
    ['model/vae.json', 'model/ (the trained model)'],
    ['checkpoint/vae.json', 'checkpoint/'],
    ['history.json', 'history.json'],
  ] as const) {
    if (await exists(run.path(file))) kept.push(what);
  }
  for (const file of RUN_LOG_FILES) if (await exists(run.path(file))) kept.push(file);
  const lines = [
    `\ntraining finished (${plural(record.steps, 'step')} in ${formatSeconds(record.seconds)}), then ${stage} failed.`,
    recorded
      ? `${run.shown}/config.json says status "failed", with the error; the run keeps ${kept.join(', ')}.`
      : `${run.shown}/config.json could not be updated; the run keeps ${kept.join(', ')}.`,
    ...rerunLines(stage, run.shown).map((line) => `  ${line}`),
  ];
  io.err(`${lines.join('\n')}\n`);
}

/**
 * Runs `cleanup` after a command's work; when the work already failed, an error of the clean-up
 * (a backend that aborted fails every call) is dropped so that the first error is the one shown.
 */
export function cleanUpAfter(failed: boolean, cleanup: () => void): void {
  try {
    cleanup();
  } catch (error) {
    if (!failed) throw error;
  }
}
