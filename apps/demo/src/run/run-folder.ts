import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConfigError, type EpochLogs } from '@vae/core';
import type { TrainSettings } from './settings.js';

/** What `config.json` of a run holds: the settings, plus how and where it ran. */
export interface RunRecord {
  /** The training settings. */
  settings: TrainSettings;
  /** The backend that ran it (`--backend auto` resolved). */
  backend: { name: string; tfjsName: string; wasmTrainingKernels: boolean };
  /** Worker threads that trained the last session (1: the main thread alone). */
  workers?: number;
  /** `'completed'`, `'interrupted'` (Ctrl-C; resume with --resume) or `'running'`. */
  status: 'running' | 'completed' | 'interrupted';
  /** Wall-clock seconds of training so far (all sessions). */
  seconds: number;
  /** Optimizer steps taken. */
  steps: number;
  /** Model parameters. */
  params: number;
  /** When the run started (ISO). */
  started: string;
  /** When config.json was last written (ISO). */
  updated: string;
  /** Final metrics (test ELBO, NLL), filled when the run completes. */
  metrics?: Record<string, number | string>;
}

/** The files of a run folder. */
export class RunFolder {
  /** The folder, absolute. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** A path inside the folder. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** A `file://` URL inside the folder (for core's save/load). */
  url(...parts: string[]): string {
    return `file://${this.path(...parts)}`;
  }

  /** The folder as the user would type it (relative to the working directory when inside it). */
  get shown(): string {
    const r = relative(process.cwd(), this.dir);
    return r.startsWith('..') || r === '' ? this.dir : r;
  }

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await writeFile(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  async readRecord(): Promise<RunRecord> {
    return JSON.parse(await readFile(this.path('config.json'), 'utf8')) as RunRecord;
  }

  async readHistory(): Promise<EpochLogs[]> {
    try {
      const h = JSON.parse(await readFile(this.path('history.json'), 'utf8')) as { epochs?: EpochLogs[] };
      return h.epochs ?? [];
    } catch {
      return [];
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens an existing run folder for `--run` / `--resume`, with a one-line error when it is not
 * one (no such folder, or no config.json in it).
 */
export async function openRun(
  flag: string,
  dir: string | undefined,
  need: 'model' | 'checkpoint' | 'config' = 'config',
): Promise<RunFolder> {
  if (dir === undefined || dir === '') {
    throw new ConfigError(`${flag} is required: pass the folder of a run, e.g. ${flag} runs/mlp.`, {
      field: flag,
      expected: 'a run folder',
      got: dir,
    });
  }
  const run = new RunFolder(dir);
  if (!(await exists(run.dir))) {
    throw new ConfigError(
      `${flag} ${dir}: no such folder. Train first (vae train --preset <name>), or check the path.`,
      {
        field: flag,
        expected: 'an existing run folder',
        got: dir,
      },
    );
  }
  if (!(await exists(run.path('config.json')))) {
    throw new ConfigError(`${flag} ${dir}: not a run folder (no config.json in it).`, {
      field: flag,
      expected: 'a folder written by vae train',
      got: dir,
    });
  }
  if (need === 'model' && !(await exists(run.path('model', 'vae.json')))) {
    const hint = (await exists(run.path('checkpoint', 'vae.json')))
      ? ' The run was interrupted: finish it with vae train --resume first.'
      : '';
    throw new ConfigError(`${flag} ${dir}: the run has no saved model (model/vae.json).${hint}`, {
      field: flag,
      expected: 'a run with a saved model',
      got: dir,
    });
  }
  if (need === 'checkpoint' && !(await exists(run.path('checkpoint', 'vae.json')))) {
    throw new ConfigError(`${flag} ${dir}: the run has no checkpoint to resume from (checkpoint/vae.json).`, {
      field: flag,
      expected: 'a run with a checkpoint',
      got: dir,
    });
  }
  return run;
}
