import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConfigError, type EpochLogs } from '@vae/core';
import { writeFileAtomic } from '@vae/core/internal';
import type { Baseline } from './baseline.js';
import { checkPartialSettings, readJsonFile, validateSettings } from './resolve-settings.js';
import { SETTING_TYPES, type TrainSettings } from './settings.js';

/** What `config.json` of a run holds: the settings, plus how and where it ran. */
export interface RunRecord {
  /** The training settings. */
  settings: TrainSettings;
  /** The backend that ran it (`--backend auto` resolved). */
  backend: { name: string; tfjsName: string; wasmTrainingKernels: boolean };
  /** Worker threads that trained the last session (1: the main thread alone). */
  workers?: number;
  /** What trained the last session (`2 workers (wasm, fused MLP step)`) and why: the training plan. */
  engine?: { description: string; reasons: string[] };
  /**
   * `'completed'`, `'interrupted'` (Ctrl-C; resume with --resume), `'running'`, or `'failed'`:
   * training finished but a later part (evaluation, pictures, report) failed; see `failure`.
   */
  status: 'running' | 'completed' | 'interrupted' | 'failed';
  /** What failed after training, for a `'failed'` run: the part and the error's message. */
  failure?: RunFailure;
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
  /** The settings the description was written for, so the report can say what the run changed. */
  baseline?: Baseline;
}

/** The part of a run that failed after training, and why. */
export interface RunFailure {
  /** What the run was doing, e.g. `evaluating the model`. */
  stage: string;
  /** The error's name, e.g. `BackendError`. */
  error: string;
  /** The error's message. */
  message: string;
}

/** What reading `config.json` gave: the record, or why the file cannot be used. */
export type RecordRead = { record: RunRecord } | { problem: ConfigError };

/** The files of a run folder. */
export class RunFolder {
  /** The folder, absolute. */
  readonly dir: string;
  /** The flag that named the folder (`--run`, `--resume`), for messages. */
  readonly flag: string;

  constructor(dir: string, flag = '--out') {
    this.dir = resolve(dir);
    this.flag = flag;
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

  /**
   * Writes `name` as JSON atomically (a temporary file in the folder, flushed, then renamed over
   * it): a crash leaves the old file or the new one, never a torn one.
   */
  async writeJson(name: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Reads and checks `config.json`; a missing, torn or invalid file is a `ConfigError` saying how to go on. */
  async readRecord(): Promise<RunRecord> {
    const read = await this.tryReadRecord();
    if ('problem' in read) throw read.problem;
    return read.record;
  }

  /** Like {@link RunFolder.readRecord}, but returns the problem instead of throwing it. */
  async tryReadRecord(): Promise<RecordRead> {
    const file = this.path('config.json');
    const where = `${this.flag} ${this.shown}: ${join(this.shown, 'config.json')}`;
    try {
      const fix = await this.recordFix(file);
      const value = await readJsonFile(file, where, 'config.json', fix);
      return { record: checkRecord(value, where, fix) };
    } catch (error) {
      if (error instanceof ConfigError) return { problem: error };
      throw error;
    }
  }

  /** How to go on from a bad config.json: what is intact, and the command that writes it anew. */
  private async recordFix(file: string): Promise<string> {
    const text = await readFile(file, 'utf8').catch(() => '');
    // A torn file may still hold the preset's name: put it in the command.
    const preset = /"preset":\s*"([^"]+)"/.exec(text)?.[1] ?? '<name>';
    const hasCheckpoint = await exists(this.path('checkpoint', 'vae.json'));
    const hasModel = await exists(this.path('model', 'vae.json'));
    const intact = [
      hasCheckpoint ? `the checkpoint in ${join(this.shown, 'checkpoint')}` : '',
      hasModel ? `the model in ${join(this.shown, 'model')}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const settingsAgain = 'with the --config file and flags the run was started with';
    if (hasCheckpoint) {
      const more = this.flag === '--resume' ? '' : ' --epochs <more than it trained>';
      return (
        `The file is corrupt, but ${intact} ${hasModel ? 'are' : 'is'} intact: config.json only holds the run's settings. ` +
        `To continue, give them again: vae train --resume ${this.shown} --preset ${preset}${more} (${settingsAgain}); it resumes from the checkpoint and writes config.json anew.`
      );
    }
    return `The file is corrupt${intact ? `; ${intact} is intact but cannot be used without the run's settings` : ''}. Train the run again: vae train --preset ${preset} --out ${this.shown} (${settingsAgain}).`;
  }

  /** Reads and checks `history.json` (no file: no epochs yet); a torn or invalid file is a `ConfigError`. */
  async readHistory(): Promise<EpochLogs[]> {
    const file = this.path('history.json');
    const where = `${this.flag} ${this.shown}: ${join(this.shown, 'history.json')}`;
    const fix =
      'The file is corrupt; it only holds the loss per epoch for the report: delete it to go on without the loss curve, or train the run again.';
    const value = await readJsonFile(file, where, 'history.json', fix, { missing: { epochs: [] } });
    return checkHistory(value, where, fix);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `ConfigError` for one bad field of a run file. */
function badField(where: string, field: string, expected: string, got: unknown, fix: string): ConfigError {
  return new ConfigError(`${where}: ${field} must be ${expected}, got ${JSON.stringify(got) ?? 'nothing'}. ${fix}`, {
    field,
    expected,
    got,
  });
}

/** Checks the settings of a record: every setting present, of its type and in its range. */
function checkRecordSettings(value: unknown, where: string, fix: string): TrainSettings {
  if (!isObject(value)) throw badField(where, 'settings', 'an object of training settings', value, fix);
  let settings: TrainSettings;
  try {
    const partial = checkPartialSettings(`${where}: settings`, value);
    for (const key of Object.keys(SETTING_TYPES)) {
      if (!(key in partial)) {
        throw badField(where, `settings.${key}`, 'present (a run records every setting)', undefined, '');
      }
    }
    settings = validateSettings(partial as TrainSettings, `${where}: settings`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Name the field as a path in the file, and end with how to go on.
    const field = error.field.slice(error.field.lastIndexOf(': ') + 1).trim();
    throw new ConfigError(`${error.message.trimEnd()} ${fix}`, {
      field: field.startsWith('settings.') ? field : `settings.${field}`,
      expected: error.expected,
      got: error.got,
      cause: error,
    });
  }
  return settings;
}

const STATUSES: ReadonlyArray<RunRecord['status']> = ['running', 'completed', 'interrupted', 'failed'];

/** Checks a parsed `config.json` field by field. */
function checkRecord(value: unknown, where: string, fix: string): RunRecord {
  if (!isObject(value)) throw badField(where, 'the file', 'a JSON object (a run record)', value, fix);
  const r = value;
  const settings = checkRecordSettings(r['settings'], where, fix);
  const backend = r['backend'];
  if (
    !isObject(backend) ||
    typeof backend['name'] !== 'string' ||
    typeof backend['tfjsName'] !== 'string' ||
    typeof backend['wasmTrainingKernels'] !== 'boolean'
  ) {
    throw badField(where, 'backend', '{ name, tfjsName, wasmTrainingKernels }', backend, fix);
  }
  if (!STATUSES.includes(r['status'] as RunRecord['status'])) {
    throw badField(where, 'status', STATUSES.map((s) => `'${s}'`).join(' | '), r['status'], fix);
  }
  const count = (field: string, min: number, optional = false) => {
    const v = r[field];
    if (optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw badField(where, field, `an integer >= ${min}`, v, fix);
    }
  };
  count('steps', 0);
  count('params', 0);
  count('workers', 1, true);
  const engine = r['engine'];
  if (
    engine !== undefined &&
    (!isObject(engine) ||
      typeof engine['description'] !== 'string' ||
      !Array.isArray(engine['reasons']) ||
      engine['reasons'].some((reason) => typeof reason !== 'string'))
  ) {
    throw badField(where, 'engine', '{ description, reasons } (strings)', engine, fix);
  }
  if (typeof r['seconds'] !== 'number' || !Number.isFinite(r['seconds']) || r['seconds'] < 0) {
    throw badField(where, 'seconds', 'a number >= 0', r['seconds'], fix);
  }
  for (const field of ['started', 'updated']) {
    if (typeof r[field] !== 'string') throw badField(where, field, 'a date (ISO string)', r[field], fix);
  }
  const baseline = r['baseline'];
  if (baseline !== undefined) {
    if (!isObject(baseline) || typeof baseline['name'] !== 'string' || !isObject(baseline['settings'])) {
      throw badField(where, 'baseline', '{ name, settings } (a string and an object of settings)', baseline, fix);
    }
    try {
      checkPartialSettings(`${where}: baseline.settings`, baseline['settings']);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${error.message} ${fix}`, {
        field: `baseline.settings.${error.field}`,
        expected: error.expected,
        got: error.got,
        cause: error,
      });
    }
  }
  const failure = r['failure'];
  if (
    failure !== undefined &&
    (!isObject(failure) ||
      typeof failure['stage'] !== 'string' ||
      typeof failure['error'] !== 'string' ||
      typeof failure['message'] !== 'string')
  ) {
    throw badField(where, 'failure', '{ stage, error, message } (strings)', failure, fix);
  }
  const metrics = r['metrics'];
  if (
    metrics !== undefined &&
    (!isObject(metrics) || Object.values(metrics).some((m) => typeof m !== 'number' && typeof m !== 'string'))
  ) {
    throw badField(where, 'metrics', 'an object of numbers and strings', metrics, fix);
  }
  return { ...(r as unknown as RunRecord), settings };
}

const EPOCH_NUMBERS = [
  'loss',
  'reconstruction',
  'kl',
  'klWeight',
  'beta',
  'learningRate',
  'batches',
  'examples',
  'seconds',
] as const;
const EPOCH_OPTIONAL_NUMBERS = ['valLoss', 'valReconstruction', 'valKl'] as const;

/** Checks a parsed `history.json`: `{ epochs: EpochLogs[] }`. */
function checkHistory(value: unknown, where: string, fix: string): EpochLogs[] {
  if (!isObject(value) || !Array.isArray(value['epochs'])) {
    throw badField(
      where,
      'epochs',
      'a list of epoch logs ({ "epochs": [...] })',
      isObject(value) ? value['epochs'] : value,
      fix,
    );
  }
  const epochs = value['epochs'] as unknown[];
  epochs.forEach((e, i) => {
    if (!isObject(e)) throw badField(where, `epochs[${i}]`, 'an object of epoch logs', e, fix);
    if (typeof e['epoch'] !== 'number' || !Number.isInteger(e['epoch']) || e['epoch'] < 0) {
      throw badField(where, `epochs[${i}].epoch`, 'an integer >= 0', e['epoch'], fix);
    }
    for (const key of EPOCH_NUMBERS) {
      if (typeof e[key] !== 'number') throw badField(where, `epochs[${i}].${key}`, 'a number', e[key], fix);
    }
    for (const key of EPOCH_OPTIONAL_NUMBERS) {
      if (e[key] !== undefined && typeof e[key] !== 'number') {
        throw badField(where, `epochs[${i}].${key}`, 'a number', e[key], fix);
      }
    }
  });
  return epochs as EpochLogs[];
}

/**
 * The record of a run resumed after its config.json was lost, from the settings given again:
 * the time and start date it had are unknown, so they start over.
 */
export function restoredRecord(settings: TrainSettings): RunRecord {
  const now = new Date().toISOString();
  return {
    settings,
    backend: { name: settings.backend, tfjsName: settings.backend, wasmTrainingKernels: false },
    status: 'interrupted',
    seconds: 0,
    steps: 0,
    params: 0,
    started: now,
    updated: now,
  };
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
  const run = new RunFolder(dir, flag);
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
