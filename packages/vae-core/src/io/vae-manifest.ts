import { ModelFormatError } from '../errors/index.js';
import type { JsonValue } from '../internal/index.js';
import type { LikelihoodConfig } from '../losses/index.js';
import type { VAEConfig } from '../models/vae-config.js';
import { isSafeRelative } from './atomic-write.js';

/**
 * The format version of `vae.json` this package writes and the newest it reads: compare it with
 * a manifest's `formatVersion` to tell whether this version of the package can load a model.
 *
 * @category Persistence
 */
export const VAE_FORMAT_VERSION = 1;

/**
 * The content of `vae.json`, the manifest of a saved VAE.
 *
 * @category Persistence
 */
export interface VAEManifest {
  /** Always `'vae'`. */
  format: 'vae';
  /** Version of this layout; readers refuse newer versions. */
  formatVersion: number;
  /** The package that wrote it. */
  generatedBy: string;
  /** The builder that made the model. */
  builder: string;
  /** The model's {@link VAEConfig}. */
  config: VAEConfig;
  /** The likelihood's config. */
  likelihood: LikelihoodConfig;
  /** Values of the likelihood's learned variables (learned variance), in order. */
  likelihoodWeights: Array<{
    /** Shape of the variable. */
    shape: number[];
    /** Its values, flattened in row-major order. */
    values: number[];
  }>;
  /** Size of the latent space. */
  latentDim: number;
  /** Data shape without the batch axis. */
  inputShape: number[];
  /** Classes of a conditional model; 0 when unconditional. */
  numClasses: number;
  /** Training state stored by the caller (JSON), if any. */
  trainingState?: JsonValue;
  /** Names of extra files stored beside the model (under `extra/`). */
  extraFiles: string[];
  /** Where the encoder's `model.json` is, relative to the folder. */
  encoder: string;
  /** Where the decoder's `model.json` is, relative to the folder. */
  decoder: string;
}

/** Upper bounds of `vae.json` fields: generous for real models, small enough to refuse nonsense. */
export const MANIFEST_LIMITS = Object.freeze({
  /** Largest latent space. */
  latentDim: 65_536,
  /** Most classes of a conditional model. */
  numClasses: 1_000_000,
  /** Most axes of the data shape (without the batch axis). */
  rank: 8,
  /** Largest size of one data axis. */
  dim: 2 ** 24,
  /** Most values in one example (a gigabyte of float32). */
  elements: 2 ** 28,
});

function fail(location: string, problem: string, cause?: unknown): never {
  throw new ModelFormatError(
    `loadVAE: ${location} is not a readable VAE: ${problem}. Save it again with vae.save(), or point loadVAE at the folder that holds vae.json.`,
    { location, cause },
  );
}

/** Why `path` is not a plain relative path inside the folder, in words. */
export function unsafePathReason(path: string): string {
  if (/^(?:[\\/]|[A-Za-z]:)/.test(path)) return 'is an absolute path';
  if (path.split(/[\\/]/).some((part) => part === '..')) return 'leaves the model folder';
  if (path.includes('\\')) return "uses backslashes (use '/' between folder names)";
  return "is not a plain relative file name (letters, digits, '.', '_', '-' and '/' only)";
}

function refusePath(location: string, field: string, path: unknown): never {
  const why = typeof path === 'string' ? unsafePathReason(path) : 'is not a string';
  throw new ModelFormatError(
    `loadVAE: ${location}/vae.json field '${field}' is ${JSON.stringify(path)}, which ${why}. A model folder must only reference files inside it; re-save the model with vae.save().`,
    { location },
  );
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Same JSON value, ignoring the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return (
      keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length && keys.every((k) => sameJson(a[k], b[k]))
    );
  }
  return Object.is(a, b);
}

/** Checks the field of `vae.json` at `field` with `ok`; a failure names the field, the rule and the value. */
function expectField<T>(location: string, field: string, value: unknown, rule: string, ok: (v: unknown) => boolean): T {
  if (!ok(value)) fail(location, `vae.json field '${field}' must be ${rule}, got ${show(value)}`);
  return value as T;
}

const isInt = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isFiniteAtLeast0 = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function checkInputShape(location: string, field: string, value: unknown): number[] {
  const { rank, dim, elements } = MANIFEST_LIMITS;
  const shape = expectField<number[]>(
    location,
    field,
    value,
    `a list of 1 to ${rank} sizes, each an integer in [1, ${dim}]`,
    (v) => Array.isArray(v) && v.length >= 1 && v.length <= rank && v.every(isInt(1, dim)),
  );
  if (shape.reduce((a, b) => a * b, 1) > elements) {
    fail(location, `vae.json field '${field}' ${show(shape)} has more than ${elements} values per example`);
  }
  return shape;
}

/** Checks `vae.json`'s config against the schema of {@link VAEConfig}. */
function checkConfig(location: string, value: unknown): VAEConfig {
  if (!isObject(value)) fail(location, `vae.json field 'config' must be an object, got ${show(value)}`);
  const { latentDim, numClasses } = MANIFEST_LIMITS;
  expectField(location, 'config.builder', value.builder, 'a string', (v) => typeof v === 'string');
  expectField(location, 'config.latentDim', value.latentDim, `an integer in [1, ${latentDim}]`, isInt(1, latentDim));
  checkInputShape(location, 'config.inputShape', value.inputShape);
  expectField(
    location,
    'config.numClasses',
    value.numClasses,
    `an integer in [0, ${numClasses}]`,
    isInt(0, numClasses),
  );
  expectField(location, 'config.beta', value.beta, 'a finite number >= 0', isFiniteAtLeast0);
  expectField(location, 'config.freeBits', value.freeBits, 'a finite number >= 0', isFiniteAtLeast0);
  expectField(
    location,
    'config.likelihood',
    value.likelihood,
    "an object with a 'kind'",
    (v) => isObject(v) && typeof v.kind === 'string',
  );
  expectField(location, 'config.architecture', value.architecture, 'an object', isObject);
  return value as unknown as VAEConfig;
}

/** Parses and validates the text (or object) of a `vae.json` against its schema. */
export function parseManifest(source: string | unknown, location: string): VAEManifest {
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source);
    } catch (cause) {
      fail(location, 'vae.json is not valid JSON (the file is corrupt or truncated)', cause);
    }
  }
  const m = value as Partial<Record<keyof VAEManifest, unknown>> | null;
  if (!isObject(m) || m.format !== 'vae') fail(location, "vae.json lacks format: 'vae'");
  if (typeof m.formatVersion !== 'number' || !Number.isInteger(m.formatVersion) || m.formatVersion < 1) {
    fail(location, `formatVersion must be a positive integer, got ${JSON.stringify(m.formatVersion)}`);
  }
  if (m.formatVersion > VAE_FORMAT_VERSION) {
    throw new ModelFormatError(
      `loadVAE: ${location} was written in format version ${m.formatVersion}, but this @vae/core reads versions up to ${VAE_FORMAT_VERSION}. Upgrade @vae/core to load it.`,
      { location },
    );
  }
  const config = checkConfig(location, m.config);
  for (const field of ['generatedBy', 'builder'] as const) {
    if (m[field] !== undefined) expectField(location, field, m[field], 'a string', (v) => typeof v === 'string');
  }
  // The top-level copies must agree with the config they repeat.
  for (const field of ['latentDim', 'inputShape', 'numClasses'] as const) {
    if (m[field] !== undefined && !sameJson(m[field], config[field])) {
      fail(location, `vae.json field '${field}' is ${show(m[field])}, but config.${field} is ${show(config[field])}`);
    }
  }
  const likelihood = m.likelihood ?? config.likelihood;
  if (!sameJson(likelihood, config.likelihood)) {
    fail(
      location,
      `vae.json field 'likelihood' is ${show(likelihood)}, but config.likelihood is ${show(config.likelihood)}`,
    );
  }
  const likelihoodWeights = expectField<VAEManifest['likelihoodWeights']>(
    location,
    'likelihoodWeights',
    m.likelihoodWeights ?? [],
    'a list of { shape, values } with finite values, as many as the shape holds',
    (v) =>
      Array.isArray(v) &&
      v.every(
        (w) =>
          isObject(w) &&
          Array.isArray(w.shape) &&
          w.shape.every(isInt(0, MANIFEST_LIMITS.elements)) &&
          Array.isArray(w.values) &&
          w.values.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
          w.values.length === (w.shape as number[]).reduce((a, b) => a * b, 1),
      ),
  );
  const extraFiles = m.extraFiles ?? [];
  if (!Array.isArray(extraFiles))
    fail(location, `vae.json field 'extraFiles' must be a list of file names, got ${show(extraFiles)}`);
  extraFiles.forEach((name, i) => {
    if (!isSafeRelative(name)) refusePath(location, `extraFiles[${i}]`, name);
  });
  const network = (field: 'encoder' | 'decoder'): string => {
    const path = m[field] ?? `${field}/model.json`;
    if (!isSafeRelative(path)) refusePath(location, field, path);
    return path;
  };
  return {
    ...(m as VAEManifest),
    config,
    likelihood: config.likelihood,
    likelihoodWeights,
    latentDim: config.latentDim,
    inputShape: config.inputShape,
    numClasses: config.numClasses,
    extraFiles: extraFiles as string[],
    encoder: network('encoder'),
    decoder: network('decoder'),
  };
}
