import { ModelFormatError } from '../errors/index.js';
import type { JsonValue } from '../internal/index.js';
import type { LikelihoodConfig } from '../losses/index.js';
import type { VAEConfig } from '../models/vae-config.js';

/** The format version this package writes and the newest it reads. */
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

function fail(location: string, problem: string, cause?: unknown): never {
  throw new ModelFormatError(
    `loadVAE: ${location} is not a readable VAE: ${problem}. Save it again with vae.save(), or point loadVAE at the folder that holds vae.json.`,
    { location, cause },
  );
}

/** Parses and validates the text (or object) of a `vae.json`. */
export function parseManifest(source: string | unknown, location: string): VAEManifest {
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source);
    } catch (cause) {
      fail(location, 'vae.json is not valid JSON (the file is corrupt or truncated)', cause);
    }
  }
  const m = value as Partial<VAEManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== 'vae') fail(location, "vae.json lacks format: 'vae'");
  if (typeof m.formatVersion !== 'number' || !Number.isInteger(m.formatVersion) || m.formatVersion < 1) {
    fail(location, `formatVersion must be a positive integer, got ${JSON.stringify(m.formatVersion)}`);
  }
  if (m.formatVersion > VAE_FORMAT_VERSION) {
    throw new ModelFormatError(
      `loadVAE: ${location} was written in format version ${m.formatVersion}, but this @vae/core reads versions up to ${VAE_FORMAT_VERSION}. Upgrade @vae/core to load it.`,
      { location },
    );
  }
  const config = m.config as VAEConfig | undefined;
  if (
    typeof config !== 'object' ||
    config === null ||
    typeof config.latentDim !== 'number' ||
    !Array.isArray(config.inputShape) ||
    typeof config.likelihood !== 'object'
  ) {
    fail(location, 'vae.json has no valid config (latentDim, inputShape, likelihood)');
  }
  return {
    ...(m as VAEManifest),
    likelihoodWeights: Array.isArray(m.likelihoodWeights) ? m.likelihoodWeights : [],
    extraFiles: Array.isArray(m.extraFiles) ? m.extraFiles : [],
    encoder: typeof m.encoder === 'string' ? m.encoder : 'encoder/model.json',
    decoder: typeof m.decoder === 'string' ? m.decoder : 'decoder/model.json',
  };
}
