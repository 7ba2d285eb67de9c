import { readFile } from 'node:fs/promises';
import { ConfigError, type JsonObject } from '@vae/core';
import { CLI_BACKENDS } from '../backend/select-backend.js';
import { checkNumber } from '../cli/parse.js';
import { PRESET_NAMES, PRESETS } from './presets.js';
import { type PictureKind, SETTING_TYPES, type TrainSettings } from './settings.js';

const PICTURES: readonly PictureKind[] = [
  'loss',
  'samples',
  'reconstructions',
  'manifold',
  'scatter',
  'interpolation',
  'progress',
  'latent-gif',
  'digit-gifs',
];
const MODELS = ['conv', 'mlp', 'lstm', 'conditional'];

function bad(where: string, field: string, expected: string, got: unknown): ConfigError {
  return new ConfigError(`${where}: ${field} must be ${expected}, got ${JSON.stringify(got)}.`, {
    field,
    expected,
    got,
  });
}

/** The kind of a likelihood setting: `'gaussian'` for `'gaussian'` and `{ kind: 'gaussian', ... }`. */
export function likelihoodKind(likelihood: TrainSettings['likelihood']): string {
  if (typeof likelihood === 'string') return likelihood;
  return typeof likelihood['kind'] === 'string' ? likelihood['kind'] : JSON.stringify(likelihood);
}

/**
 * Reads a sigma as a flag or a config file gives it: `'learned'`, or a finite number > 0 (a
 * string is read as a number). Anything else is a `ConfigError` naming `where`.
 */
export function parseSigma(where: string, value: unknown): number | 'learned' {
  if (value === 'learned') return 'learned';
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new ConfigError(
      `${where}: sigma must be a finite number > 0 or 'learned', got ${JSON.stringify(value)}. Pass e.g. --sigma 0.1 (a fixed standard deviation per pixel, in the data's units) or --sigma learned.`,
      { field: 'sigma', expected: "a finite number > 0, or 'learned'", got: value },
    );
  }
  return n;
}

/** Looks up a preset by name, with a one-line error listing the presets. */
export function presetSettings(name: string): TrainSettings {
  const preset = PRESETS[name];
  if (!preset) {
    throw new ConfigError(`unknown preset '${name}'. Presets: ${PRESET_NAMES.join(', ')}.`, {
      field: 'preset',
      expected: PRESET_NAMES.join(' | '),
      got: name,
    });
  }
  return structuredClone(preset);
}

/**
 * Checks the type of every field of a partial settings object (from a `--config` file or
 * flags) and rejects unknown fields, naming where they came from.
 */
export function checkPartialSettings(where: string, value: unknown): Partial<TrainSettings> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(where, 'the configuration', 'a JSON object of settings', value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const type = SETTING_TYPES[key as keyof TrainSettings];
    if (type === undefined) {
      throw new ConfigError(
        `${where}: unknown setting '${key}'. Known settings: ${Object.keys(SETTING_TYPES).join(', ')}.`,
        { field: key, expected: 'a known setting', got: v },
      );
    }
    const kinds = type.split('|');
    const ok = kinds.some((k) => {
      if (k === 'null') return v === null;
      if (k === 'integer') return typeof v === 'number' && Number.isInteger(v);
      if (k === 'array') return Array.isArray(v);
      if (k === 'object') return typeof v === 'object' && v !== null && !Array.isArray(v);
      return typeof v === k;
    });
    if (!ok) throw bad(where, key, kinds.map((k) => (k === 'integer' ? 'an integer' : k)).join(' or '), v);
    out[key] = v;
  }
  return out as Partial<TrainSettings>;
}

/**
 * Reads and parses a JSON file. `where` starts every message (`--config a.json`, `--resume runs/x:
 * runs/x/config.json`) and `fix` ends it; a file that cannot be read or is not JSON is a
 * `ConfigError` with `field`. A missing file returns `missing` when one is given.
 */
export async function readJsonFile(
  path: string,
  where: string,
  field: string,
  fix: string,
  options: { missing?: unknown } = {},
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && 'missing' in options) return options.missing;
    throw new ConfigError(`${where}: cannot read the file (${code ?? String(cause)}). ${fix}`, {
      field,
      expected: 'a readable JSON file',
      got: path,
      cause,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const empty = text.trim() === '' ? ', the file is empty' : '';
    throw new ConfigError(`${where}: not valid JSON (${(cause as Error).message}${empty}). ${fix}`, {
      field,
      expected: 'JSON',
      got: path,
      cause,
    });
  }
}

/** Reads and checks a `--config` JSON file. */
export async function readConfigFile(path: string): Promise<Partial<TrainSettings>> {
  const parsed = await readJsonFile(
    path,
    `--config ${path}`,
    'config',
    'Fix the file (a JSON object of settings, e.g. { "preset": "mlp", "epochs": 5 }), or pass the settings as flags.',
  );
  return checkPartialSettings(`--config ${path}`, parsed);
}

/**
 * Merges settings (later sources win; `architecture` is merged field by field) and checks the
 * result as a whole: ranges, choices, and that a folder dataset has `data`.
 */
export function mergeSettings(base: TrainSettings, ...overrides: Array<Partial<TrainSettings>>): TrainSettings {
  return validateSettings(overlaySettings(base, ...overrides));
}

/** Merges settings like {@link mergeSettings}, without checking the result (a preset still missing its `--data`). */
export function overlaySettings(base: TrainSettings, ...overrides: Array<Partial<TrainSettings>>): TrainSettings {
  const merged: TrainSettings = structuredClone(base);
  for (const o of overrides) {
    const { architecture, ...rest } = o;
    // A new likelihood brings its own spread: the base's sigma stays only for plain 'gaussian'.
    if (o.likelihood !== undefined && o.sigma === undefined && o.likelihood !== 'gaussian') merged.sigma = null;
    Object.assign(merged, rest);
    if (architecture) merged.architecture = { ...merged.architecture, ...(architecture as JsonObject) };
  }
  return merged;
}

/** Checks a complete settings object; returns it unchanged. `where` starts the messages. */
export function validateSettings(s: TrainSettings, where = `preset ${s.preset}`): TrainSettings {
  const n = (field: keyof TrainSettings, options: { integer?: boolean; min?: number; max?: number }) => {
    checkNumber(`${where}: ${field}`, s[field] as number, s[field], options);
  };
  if (!MODELS.includes(s.model)) throw bad(where, 'model', MODELS.join(' | '), s.model);
  // Runs recorded before sigma was a setting keep their likelihood as it was.
  if (s.sigma === undefined) s.sigma = null;
  if (s.sigma !== null) {
    s.sigma = parseSigma(where, s.sigma);
    const kind = likelihoodKind(s.likelihood);
    if (kind !== 'gaussian') {
      throw new ConfigError(
        `${where}: sigma ${s.sigma} sets the spread of a Gaussian likelihood, but the likelihood is ${kind}${kind === 'bernoulli' ? ' (binary cross-entropy has no sigma)' : ''}. Drop --sigma (or "sigma" in the config file), or pass --likelihood gaussian.`,
        { field: 'sigma', expected: "null unless the likelihood is 'gaussian'", got: s.sigma },
      );
    }
  }
  n('latentDim', { integer: true, min: 1 });
  n('beta', { min: 0 });
  n('imageSize', { integer: true, min: 4, max: 1024 });
  n('epochs', { integer: true, min: 1 });
  n('batchSize', { integer: true, min: 1 });
  n('lr', { min: 1e-12, max: 10 });
  n('validationSplit', { min: 0, max: 0.9 });
  n('seed', { integer: true, min: 0, max: 2 ** 31 - 1 });
  if (s.limit !== null) n('limit', { integer: true, min: 1 });
  if (s.iterations !== null) n('iterations', { integer: true, min: 1 });
  if (s.every !== null) n('every', { integer: true, min: 1 });
  if (s.dataset !== 'mnist' && s.dataset !== 'folder') throw bad(where, 'dataset', "'mnist' or 'folder'", s.dataset);
  if (s.dataset === 'folder' && !s.data) {
    throw new ConfigError(
      `${where} trains on a folder of images: pass --data <dir> (a folder of PNG/JPEG/WebP images, sub-folders allowed).`,
      { field: 'data', expected: 'a folder of images', got: s.data },
    );
  }
  if (s.lrDecay !== null) {
    checkNumber(`${where}: lrDecay.at`, s.lrDecay.at, s.lrDecay.at, { integer: true, min: 1 });
    checkNumber(`${where}: lrDecay.factor`, s.lrDecay.factor, s.lrDecay.factor, { min: 0, max: 1 });
  }
  for (const p of s.pictures) {
    if (!PICTURES.includes(p)) throw bad(where, 'pictures', `a list of ${PICTURES.join(', ')}`, s.pictures);
  }
  if (!(CLI_BACKENDS as readonly string[]).includes(s.backend)) {
    throw bad(where, 'backend', CLI_BACKENDS.join(' | '), s.backend);
  }
  if (s.model === 'conditional' && s.dataset !== 'mnist') {
    throw bad(where, 'dataset', "'mnist' for a conditional model (it needs labels)", s.dataset);
  }
  return s;
}
