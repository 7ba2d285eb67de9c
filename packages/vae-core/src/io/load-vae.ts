import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError, VaeError } from '../errors/index.js';
import type { JsonValue } from '../internal/index.js';
import { resolveLikelihood } from '../losses/index.js';
import { VAE } from '../models/vae.js';
import { resolveReadableFolder } from './atomic-write.js';
import { fromBase64 } from './base64.js';
import { loadModelFromFiles } from './model-artifacts.js';
import { loadNodeFs } from './node-fs.js';
import type { VAEDestination } from './save-vae.js';
import { parseManifest, type VAEManifest } from './vae-manifest.js';

/**
 * Options of {@link loadVAE} and {@link loadVAEWithExtras}.
 *
 * @category Persistence
 */
export interface LoadVAEOptions {
  /** The fetch used for `http(s)://` sources (tests inject one). @defaultValue globalThis.fetch */
  fetchFunc?: typeof fetch;
  /** Request options for `http(s)://` sources (headers, credentials). @defaultValue undefined */
  requestInit?: RequestInit;
}

/**
 * A loaded VAE with what was stored beside it.
 *
 * @category Persistence
 */
export interface LoadedVAE {
  /** The model, ready to use; the caller disposes it. */
  vae: VAE;
  /** The `trainingState` given to `save`, or `undefined`. */
  trainingState: JsonValue | undefined;
  /** The `extraFiles` given to `save`, by name. */
  extraFiles: Record<string, Uint8Array>;
  /** The parsed `vae.json`. */
  manifest: VAEManifest;
}

interface RawParts {
  manifest: VAEManifest;
  encoder: tfl.LayersModel;
  decoder: tfl.LayersModel;
  extraFiles: Record<string, Uint8Array>;
}

function wrap(location: string, what: string, cause: unknown): never {
  if (VaeError.isInstance(cause)) throw cause;
  throw new ModelFormatError(
    `loadVAE: could not read ${what} from ${location}: ${cause instanceof Error ? cause.message : String(cause)}. Check that the location holds a model written by vae.save().`,
    { location, cause },
  );
}

async function fromFolder(url: string): Promise<RawParts> {
  const { fs, path } = await loadNodeFs('loadVAE', url);
  const folder = await resolveReadableFolder(url, 'vae.json');
  const read = (rel: string): Promise<Uint8Array> =>
    fs.readFile(path.join(folder, ...rel.split('/'))).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  let manifestText: string;
  try {
    manifestText = new TextDecoder().decode(await read('vae.json'));
  } catch (cause) {
    wrap(url, 'vae.json', cause);
  }
  const manifest = parseManifest(manifestText, url);
  const network = async (rel: string, name: string): Promise<tfl.LayersModel> => {
    try {
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      const text = new TextDecoder().decode(await read(rel));
      return await loadModelFromFiles(text, (w) => read(dir + w));
    } catch (cause) {
      wrap(url, `the ${name} (${rel})`, cause);
    }
  };
  const encoder = await network(manifest.encoder, 'encoder');
  const decoder = await network(manifest.decoder, 'decoder');
  const extraFiles: Record<string, Uint8Array> = {};
  for (const name of manifest.extraFiles) {
    try {
      extraFiles[name] = await read(`extra/${name}`);
    } catch (cause) {
      encoder.dispose();
      decoder.dispose();
      wrap(url, `extra file '${name}'`, cause);
    }
  }
  return { manifest, encoder, decoder, extraFiles };
}

async function fromHandlers(
  encoderHandler: tf.io.IOHandler,
  decoderHandler: tf.io.IOHandler,
  location: string,
  manifestOverride?: VAEManifest,
): Promise<RawParts> {
  if (typeof encoderHandler?.load !== 'function' || typeof decoderHandler?.load !== 'function') {
    throw new ModelFormatError(
      `loadVAE: the handlers for ${location} must both have a load() method (tf.io.IOHandler).`,
      {
        location,
      },
    );
  }
  let encoderArtifacts: tf.io.ModelArtifacts;
  let decoderArtifacts: tf.io.ModelArtifacts;
  try {
    encoderArtifacts = await encoderHandler.load();
  } catch (cause) {
    wrap(location, 'the encoder', cause);
  }
  try {
    decoderArtifacts = await decoderHandler.load();
  } catch (cause) {
    wrap(location, 'the decoder', cause);
  }
  const metadata = (encoderArtifacts.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const manifest = manifestOverride ?? parseManifest(metadata.vae ?? null, location);
  const embedded = (metadata.vaeExtraFiles ?? {}) as Record<string, string>;
  const extraFiles: Record<string, Uint8Array> = {};
  // With a manifest read from vae.json (http), the extra files are separate files, fetched by the caller.
  for (const name of manifestOverride ? [] : manifest.extraFiles) {
    if (typeof embedded[name] !== 'string') wrap(location, `extra file '${name}'`, 'it is missing from the metadata');
    extraFiles[name] = fromBase64(embedded[name]);
  }
  const { userDefinedMetadata: _ignored, ...encoderOnly } = encoderArtifacts;
  const encoder = await tfl
    .loadLayersModel(tf.io.fromMemory(encoderOnly))
    .catch((c) => wrap(location, 'the encoder', c));
  const decoder = await tfl
    .loadLayersModel(tf.io.fromMemory(decoderArtifacts))
    .catch((c) => wrap(location, 'the decoder', c));
  return { manifest, encoder, decoder, extraFiles };
}

async function fromHttp(url: string, options: LoadVAEOptions): Promise<RawParts> {
  const base = url.replace(/\/+$/, '').replace(/\/vae\.json$/, '');
  const fetchFunc = options.fetchFunc ?? globalThis.fetch;
  let manifest: VAEManifest | undefined;
  let response: Response | undefined;
  try {
    response = await fetchFunc(`${base}/vae.json`, options.requestInit);
  } catch (cause) {
    wrap(url, 'vae.json', cause);
  }
  if (response.ok) manifest = parseManifest(await response.text(), url);
  const httpOptions = { fetchFunc, requestInit: options.requestInit };
  const encoderUrl = `${base}/${manifest?.encoder ?? 'encoder/model.json'}`;
  const decoderUrl = `${base}/${manifest?.decoder ?? 'decoder/model.json'}`;
  const parts = await fromHandlers(
    tf.io.http(encoderUrl, httpOptions),
    tf.io.http(decoderUrl, httpOptions),
    url,
    manifest,
  );
  if (manifest !== undefined) {
    for (const name of manifest.extraFiles) {
      const r = await fetchFunc(`${base}/extra/${name}`, options.requestInit).catch((c) =>
        wrap(url, `extra file '${name}'`, c),
      );
      if (!r.ok) wrap(url, `extra file '${name}'`, `HTTP ${r.status}`);
      parts.extraFiles[name] = new Uint8Array(await r.arrayBuffer());
    }
  }
  return parts;
}

function assemble(parts: RawParts, location: string): VAE {
  const { manifest, encoder, decoder } = parts;
  try {
    if (encoder.outputs.length !== 2 || decoder.outputs.length !== 1) {
      throw new ModelFormatError(
        `loadVAE: ${location} holds an encoder with ${encoder.outputs.length} outputs and a decoder with ${decoder.outputs.length}; a VAE needs 2 ([mean, logVar]) and 1. The folder does not hold a VAE written by vae.save().`,
        { location },
      );
    }
    const likelihood = resolveLikelihood(manifest.likelihood, 'loadVAE');
    const vae = new VAE({ encoder, decoder, likelihood, config: manifest.config });
    const vars = likelihood.trainableVariables;
    if (vars.length !== manifest.likelihoodWeights.length) {
      vae.dispose();
      throw new ModelFormatError(
        `loadVAE: ${location} stores ${manifest.likelihoodWeights.length} likelihood variables but the '${manifest.likelihood.kind}' likelihood has ${vars.length}. The manifest is corrupt; save the model again.`,
        { location },
      );
    }
    vars.forEach((v, i) => {
      const { shape, values } = manifest.likelihoodWeights[i];
      tf.tidy(() => v.assign(tf.tensor(values, shape)));
    });
    return vae;
  } catch (error) {
    encoder.dispose();
    decoder.dispose();
    if (VaeError.isInstance(error)) throw error;
    wrap(location, 'the model', error);
  }
}

async function loadParts(source: VAEDestination, options: LoadVAEOptions): Promise<RawParts> {
  if (typeof source !== 'string') return fromHandlers(source.encoder, source.decoder, 'handlers');
  if (source.startsWith('file://')) return fromFolder(source);
  if (/^https?:\/\//i.test(source)) return fromHttp(source, options);
  const base = source.replace(/\/+$/, '');
  const pick = (url: string): tf.io.IOHandler => {
    const found = tf.io.getLoadHandlers(url);
    if (found.length === 0) {
      throw new ModelFormatError(
        `loadVAE: no tf.io load handler accepts '${url}' here. Use file:// in Node, indexeddb:// or localstorage:// in a browser, http(s):// for a server, or pass { encoder, decoder } handlers.`,
        { location: source },
      );
    }
    return found[0];
  };
  return fromHandlers(pick(`${base}/encoder`), pick(`${base}/decoder`), source);
}

/**
 * Loads a VAE saved by {@link saveVAE} / {@link VAE.save}, together with the training state
 * and extra files stored beside it.
 *
 * Sources: `file://path` (Node; after an interrupted save it falls back to the previous model),
 * `http(s)://base` (reads `base/vae.json`, `base/encoder/model.json`, `base/decoder/model.json`,
 * `base/extra/<name>`: a saved folder served as static files), `indexeddb://key`,
 * `localstorage://key`, or `{ encoder, decoder }` handlers.
 *
 * @param source - Where the model is.
 * @param options - `fetchFunc` and `requestInit` for http(s).
 * @returns `{ vae, trainingState, extraFiles, manifest }`; the caller owns `vae`.
 * @throws {@link ModelFormatError} for a missing, corrupt or newer-format model.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, loadVAEWithExtras, saveVAE } from '@vae/core';
 *
 * await saveVAE(buildMlpVAE(), 'file://./runs/mnist', { trainingState: { epoch: 3 } });
 * const { vae, trainingState } = await loadVAEWithExtras('file://./runs/mnist');
 * console.log(trainingState); // { epoch: 3 }
 * ```
 * @category Persistence
 */
export async function loadVAEWithExtras(source: VAEDestination, options: LoadVAEOptions = {}): Promise<LoadedVAE> {
  const location = typeof source === 'string' ? source : 'handlers';
  const parts = await loadParts(source, options);
  const vae = assemble(parts, location);
  return { vae, trainingState: parts.manifest.trainingState, extraFiles: parts.extraFiles, manifest: parts.manifest };
}

/**
 * Loads a VAE saved by {@link saveVAE} / {@link VAE.save}; its outputs equal the saved model's.
 * See {@link loadVAEWithExtras} for the sources and for training state and extra files.
 *
 * @param source - `file://path`, `http(s)://base`, `indexeddb://key`, `localstorage://key`, or `{ encoder, decoder }` handlers.
 * @param options - `fetchFunc` and `requestInit` for http(s).
 * @returns The model; the caller disposes it.
 * @throws {@link ModelFormatError} for a missing, corrupt or newer-format model.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, loadVAE } from '@vae/core';
 *
 * await buildMlpVAE().save('file://./runs/mnist');
 * const vae = await loadVAE('file://./runs/mnist');
 * const samples = vae.sample(16, { seed: 1 });
 * ```
 * @category Persistence
 */
export async function loadVAE(source: VAEDestination, options: LoadVAEOptions = {}): Promise<VAE> {
  return (await loadVAEWithExtras(source, options)).vae;
}
