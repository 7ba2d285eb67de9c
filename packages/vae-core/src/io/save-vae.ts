import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ModelFormatError, PersistenceError, VAEError } from '../errors/index.js';
import type { JsonValue } from '../internal/index.js';
import { isLayersModel } from '../models/networks.js';
import type { VAE } from '../models/vae.js';
import { checkRelative, writeFolderAtomicAs } from './atomic-write.js';
import { toBase64 } from './base64.js';
import { describeFsError } from './fs-errors.js';
import { artifactsToFiles, captureArtifacts } from './model-artifacts.js';
import { VAE_FORMAT_VERSION, type VAEManifest } from './vae-manifest.js';

/**
 * A pair of tf.io handlers, one per network, for destinations that a URL cannot name (a
 * custom store, an in-memory handler). The manifest travels in the encoder's
 * `userDefinedMetadata`.
 *
 * @category Persistence
 */
export interface VAEIOHandlers {
  /** Handler that saves (or loads) the encoder. */
  encoder: tf.io.IOHandler;
  /** Handler that saves (or loads) the decoder. */
  decoder: tf.io.IOHandler;
}

/**
 * Where a VAE is saved to or loaded from: a URL string (`file://` in Node, `indexeddb://`,
 * `localstorage://`, `http(s)://`) or a pair of handlers.
 *
 * @category Persistence
 */
export type VAEDestination = string | VAEIOHandlers;

/**
 * Options of {@link saveVAE} and {@link VAE.save}.
 *
 * @category Persistence
 */
export interface SaveVAEOptions {
  /**
   * JSON stored in `vae.json` beside the model (e.g. a training checkpoint's epoch, optimizer
   * settings, history); given back by {@link loadVAEWithExtras}.
   *
   * @defaultValue undefined
   */
  trainingState?: unknown;
  /**
   * Extra files stored beside the model, by relative name (letters, digits, `.`, `_`, `-`, `/`).
   * On `file://` they go under `extra/`; elsewhere they are embedded (base64) in the manifest.
   *
   * @defaultValue undefined
   */
  extraFiles?: Record<string, Uint8Array>;
}

/**
 * What {@link saveVAE} wrote.
 *
 * @category Persistence
 */
export interface SaveVAEResult {
  /** The destination, as given (or `'handlers'`). */
  location: string;
  /** Relative paths of the files written (file:// only; empty otherwise). */
  files: string[];
  /** Total bytes of weights written. */
  weightBytes: number;
}

function describe(destination: VAEDestination): string {
  return typeof destination === 'string' ? destination : 'handlers';
}

function notSaveable(where: string, network: 'encoder' | 'decoder', location: string): never {
  throw new ModelFormatError(
    `${where}: the ${network} is a function and cannot be saved to ${location}. Build it as a tf.LayersModel (tf.sequential or tf.model) and pass that to buildVAE, or keep the function and store its variables yourself.`,
    { location },
  );
}

/** Builds the manifest of `vae` (reads the likelihood's variables back). */
export async function buildManifest(vae: VAE, options: SaveVAEOptions, where: string): Promise<VAEManifest> {
  let trainingState: JsonValue | undefined;
  if (options.trainingState !== undefined) {
    try {
      trainingState = JSON.parse(JSON.stringify(options.trainingState)) as JsonValue;
    } catch (cause) {
      throw new ConfigError(
        `${where}: trainingState must be JSON-serializable (no cycles, BigInt or functions): ${String(cause)}. Store plain numbers, strings, arrays and objects.`,
        { field: 'trainingState', expected: 'JSON', got: typeof options.trainingState, cause },
      );
    }
  }
  const likelihoodWeights = await Promise.all(
    vae.likelihood.trainableVariables.map(async (v) => ({ shape: [...v.shape], values: Array.from(await v.data()) })),
  );
  const config = vae.config;
  return {
    format: 'vae',
    formatVersion: VAE_FORMAT_VERSION,
    generatedBy: '@vae/core',
    builder: config.builder,
    config: { ...config, inputShape: [...config.inputShape] },
    likelihood: vae.likelihood.toConfig(),
    likelihoodWeights,
    latentDim: vae.latentDim,
    inputShape: [...vae.inputShape],
    numClasses: vae.numClasses,
    ...(trainingState === undefined ? {} : { trainingState }),
    extraFiles: Object.keys(options.extraFiles ?? {}).sort(),
    encoder: 'encoder/model.json',
    decoder: 'decoder/model.json',
  };
}

/**
 * Saves a VAE: a manifest `vae.json` (format version, builder, config, likelihood, optional
 * training state) and the encoder and decoder as standard tfjs LayersModels.
 *
 * Destinations:
 * - `file://path` (Node): a folder `path/` holding `vae.json`, `encoder/model.json`,
 *   `encoder/weights.bin`, `decoder/model.json`, `decoder/weights.bin` and `extra/<name>`.
 *   The write is atomic (a new folder is written beside the old one, then swapped in): a crash
 *   leaves the previous model loadable.
 * - `indexeddb://key`, `localstorage://key`, `http(s)://url` (POST) or any URL a registered
 *   tf.io router handles: the networks go to `<url>/encoder` and `<url>/decoder`, and the
 *   manifest (with extra files in base64) rides in the encoder's `userDefinedMetadata`.
 * - `{ encoder, decoder }` handlers: as above, one handler per network.
 *
 * @param vae - The model.
 * @param destination - See above.
 * @param options - `trainingState` and `extraFiles`.
 * @returns What was written.
 * @throws {@link ModelFormatError} when a network is a function, or no handler takes the URL.
 * @throws {@link ConfigError} when `trainingState` is not JSON-serializable, or an extra file's
 *   name is not a safe relative path.
 * @throws {@link PersistenceError} when a `file://` folder cannot be written (read-only, no
 *   permission, no space, a file in the way); the previous model stays loadable.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, loadVAE, saveVAE } from '@vae/core';
 * const vae = buildMlpVAE();
 * await saveVAE(vae, 'file://./runs/mlp', { trainingState: { epoch: 3 } });
 * const again = await loadVAE('file://./runs/mlp');
 * ```
 * @category Persistence
 */
export async function saveVAE(
  vae: VAE,
  destination: VAEDestination,
  options: SaveVAEOptions = {},
): Promise<SaveVAEResult> {
  const where = 'VAE.save';
  const location = describe(destination);
  if (!isLayersModel(vae.encoder)) notSaveable(where, 'encoder', location);
  if (!isLayersModel(vae.decoder)) notSaveable(where, 'decoder', location);
  for (const name of Object.keys(options.extraFiles ?? {})) checkRelative(where, name, location);
  const manifest = await buildManifest(vae, options, where);
  const [encoderArtifacts, decoderArtifacts] = [
    await captureArtifacts(vae.encoder),
    await captureArtifacts(vae.decoder),
  ];
  const weightBytes = [encoderArtifacts, decoderArtifacts].reduce(
    (s, a) => s + tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0)).byteLength,
    0,
  );
  const extraFiles = options.extraFiles ?? {};

  if (typeof destination === 'string' && destination.startsWith('file://')) {
    const encoderFiles = artifactsToFiles(encoderArtifacts);
    const decoderFiles = artifactsToFiles(decoderArtifacts);
    const files: Record<string, Uint8Array | string> = {
      'encoder/model.json': encoderFiles.modelJson,
      'encoder/weights.bin': encoderFiles.weights,
      'decoder/model.json': decoderFiles.modelJson,
      'decoder/weights.bin': decoderFiles.weights,
    };
    for (const [name, bytes] of Object.entries(extraFiles)) files[`extra/${name}`] = bytes;
    // vae.json last: a folder with vae.json is complete.
    files['vae.json'] = JSON.stringify(manifest, null, 2);
    await writeFolderAtomicAs(where, destination, files);
    return { location, files: Object.keys(files), weightBytes };
  }

  let handlers: VAEIOHandlers;
  if (typeof destination === 'string') {
    const pick = (url: string): tf.io.IOHandler => {
      const found = tf.io.getSaveHandlers(url);
      if (found.length === 0) {
        throw new ModelFormatError(
          `${where}: no tf.io save handler accepts '${url}' here. Use file:// in Node, indexeddb:// or localstorage:// in a browser, http(s):// for a server, or pass { encoder, decoder } handlers.`,
          { location: destination },
        );
      }
      return found[0];
    };
    const base = destination.replace(/\/+$/, '');
    handlers = { encoder: pick(`${base}/encoder`), decoder: pick(`${base}/decoder`) };
  } else {
    handlers = destination;
  }
  if (typeof handlers.encoder?.save !== 'function' || typeof handlers.decoder?.save !== 'function') {
    throw new ModelFormatError(`${where}: the handlers must both have a save() method (tf.io.IOHandler).`, {
      location,
    });
  }
  // checked just above; the closures below cannot see that narrowing
  const encoderHandler = handlers.encoder as Required<Pick<tf.io.IOHandler, 'save'>>;
  const decoderHandler = handlers.decoder as Required<Pick<tf.io.IOHandler, 'save'>>;
  const embeddedExtras: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(extraFiles)) embeddedExtras[name] = toBase64(bytes);
  const saveWith = async (network: 'encoder' | 'decoder', run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (cause) {
      if (VAEError.isInstance(cause)) throw cause;
      const { code, reason, words } = describeFsError(cause);
      throw new PersistenceError(
        `${where}: cannot write the ${network} to ${location}: ${words}.${network === 'decoder' ? ' The encoder is already written there, so the stored model is incomplete until a save succeeds.' : ''} Check that the destination is reachable and has room, then save again.`,
        { location, reason, code, cause },
      );
    }
  };
  await saveWith('encoder', () =>
    encoderHandler.save({
      ...encoderArtifacts,
      userDefinedMetadata: {
        ...(encoderArtifacts.userDefinedMetadata ?? {}),
        vae: manifest as unknown as object,
        vaeExtraFiles: embeddedExtras,
      },
    }),
  );
  await saveWith('decoder', () => decoderHandler.save(decoderArtifacts));
  return { location, files: [], weightBytes };
}
