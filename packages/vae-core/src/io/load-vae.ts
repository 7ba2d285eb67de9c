import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ModelFormatError, VAEError } from '../errors/index.js';
import type { JsonValue } from '../internal/index.js';
import { type Likelihood, resolveLikelihood } from '../losses/index.js';
import { VAE } from '../models/vae.js';
import { isSafeRelative, resolveReadableFolder } from './atomic-write.js';
import { fromBase64 } from './base64.js';
import { describeFsError } from './fs-errors.js';
import {
  buildNetwork,
  type NetworkSource,
  parseModelJson,
  partsOfArtifacts,
  releaseNetwork,
} from './model-artifacts.js';
import { loadNodeFs } from './node-fs.js';
import type { VAEDestination } from './save-vae.js';
import type { ExpectedInput } from './topology-check.js';
import { parseManifest, unsafePathReason, type VAEManifest } from './vae-manifest.js';

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
  /** How messages name the manifest: `file://m/vae.json`, or where it rode in. */
  manifestName: string;
  encoder: tfl.LayersModel;
  decoder: tfl.LayersModel;
  extraFiles: Record<string, Uint8Array>;
}

const WHERE = 'loadVAE';

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function wrap(location: string, what: string, cause: unknown): never {
  if (VAEError.isInstance(cause)) throw cause;
  throw new ModelFormatError(
    `${WHERE}: could not read ${what} from ${location}: ${describeCause(cause)}. Check that the location holds a model written by vae.save().`,
    { location, cause },
  );
}

/** A failed read of `file`, with the cause in words. */
function readFailure(location: string, file: string, cause: unknown): ModelFormatError {
  const { code, words } = describeFsError(cause);
  return new ModelFormatError(
    `${WHERE}: could not read ${file}: ${words}${code === undefined ? '' : ` (${code})`}. Check that ${location} holds a model written by vae.save().`,
    { location, cause },
  );
}

function notAFile(location: string, file: string, folder: boolean): never {
  throw new ModelFormatError(
    `${WHERE}: could not read ${file}: it is ${folder ? 'a folder' : 'a device, pipe or socket'}, not a file. Check that ${location} holds a model written by vae.save().`,
    { location },
  );
}

/** Disposes what a failed load made so far; never throws (the load's own error matters more). */
function disposeQuietly(...things: Array<{ dispose(): unknown } | undefined>): void {
  for (const thing of things) {
    try {
      thing?.dispose();
    } catch {
      // already disposed, or half-built: nothing more to free
    }
  }
}

/**
 * Reads the files of a model folder, confined to it: names are checked as safe relative paths by
 * the manifest and the model.json checks, and a symbolic link that resolves outside the folder
 * (or to something that is not a file) is refused.
 */
async function folderReader(
  url: string,
): Promise<{ display: (rel: string) => string; read: (rel: string) => Promise<Uint8Array> }> {
  const { fs, path } = await loadNodeFs(WHERE, url);
  const folder = await resolveReadableFolder(url, 'vae.json');
  const display = (rel: string): string => `file://${folder}/${rel}`;
  let root: string;
  try {
    root = await fs.realpath(folder);
  } catch (cause) {
    throw readFailure(url, display('vae.json'), cause);
  }
  const read = async (rel: string): Promise<Uint8Array> => {
    const file = display(rel);
    let real: string;
    try {
      real = await fs.realpath(path.join(folder, ...rel.split('/')));
    } catch (cause) {
      throw readFailure(url, file, cause);
    }
    if (!real.startsWith(root + path.sep)) {
      throw new ModelFormatError(
        `${WHERE}: ${file} resolves through a symbolic link to ${real}, outside the model folder ${root}. A model folder must only reference files inside it; re-save the model with vae.save().`,
        { location: url },
      );
    }
    let bytes: Uint8Array;
    try {
      const stat = await fs.stat(real);
      // a pipe or a device would block the read, or never end it
      if (!stat.isFile()) return notAFile(url, file, stat.isDirectory());
      bytes = await fs.readFile(real);
    } catch (cause) {
      if (VAEError.isInstance(cause)) throw cause;
      throw readFailure(url, file, cause);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  return { display, read };
}

/** Joins weight files' bytes in order. */
function join(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

/** The inputs the manifest says a network takes: data or codes, then one-hot labels when conditional. */
function expectedInputs(manifest: VAEManifest, network: 'encoder' | 'decoder'): ExpectedInput[] {
  const { inputShape, latentDim, numClasses } = manifest.config;
  const first: ExpectedInput =
    network === 'encoder'
      ? { shape: inputShape, field: 'inputShape', value: inputShape }
      : { shape: [latentDim], field: 'latentDim', value: latentDim };
  return numClasses > 0 ? [first, { shape: [numClasses], field: 'numClasses', value: numClasses }] : [first];
}

async function fromFolder(url: string): Promise<RawParts> {
  const { display, read } = await folderReader(url);
  const manifestName = display('vae.json');
  const manifest = parseManifest(new TextDecoder().decode(await read('vae.json')), url);
  const network = async (field: 'encoder' | 'decoder'): Promise<tfl.LayersModel> => {
    const rel = manifest[field];
    const source: NetworkSource = { where: WHERE, location: url, file: display(rel) };
    const parts = parseModelJson(new TextDecoder().decode(await read(rel)), source);
    const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
    const files = parts.weightPaths.map((w, i) => {
      if (!isSafeRelative(dir + w)) {
        throw new ModelFormatError(
          `${WHERE}: ${source.file} lists weights path '${w}' (weightsManifest paths, entry ${i}), which ${unsafePathReason(w)}. A model folder must only reference files inside it; re-save the model with vae.save().`,
          { location: url },
        );
      }
      return dir + w;
    });
    const bytes: Uint8Array[] = [];
    for (const file of files) bytes.push(await read(file));
    return buildNetwork(parts, join(bytes), files.map(display), source, {
      expected: expectedInputs(manifest, field),
      manifestName,
    });
  };
  const encoder = await network('encoder');
  let decoder: tfl.LayersModel | undefined;
  try {
    decoder = await network('decoder');
    const extraFiles: Record<string, Uint8Array> = {};
    for (const name of manifest.extraFiles) extraFiles[name] = await read(`extra/${name}`);
    return { manifest, manifestName, encoder, decoder, extraFiles };
  } catch (error) {
    releaseNetwork(encoder);
    releaseNetwork(decoder);
    throw error;
  }
}

async function fromHandlers(
  encoderHandler: tf.io.IOHandler,
  decoderHandler: tf.io.IOHandler,
  location: string,
  manifestOverride?: { manifest: VAEManifest; name: string },
): Promise<RawParts> {
  if (typeof encoderHandler?.load !== 'function' || typeof decoderHandler?.load !== 'function') {
    throw new ModelFormatError(
      `${WHERE}: the handlers for ${location} must both have a load() method (tf.io.IOHandler).`,
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
  const metadata = (encoderArtifacts?.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const manifest = manifestOverride?.manifest ?? parseManifest(metadata.vae ?? null, location);
  const manifestName = manifestOverride?.name ?? `the manifest in the encoder's metadata at ${location}`;
  const embedded = (metadata.vaeExtraFiles ?? {}) as Record<string, unknown>;
  const extraFiles: Record<string, Uint8Array> = {};
  // With a manifest read from vae.json (http), the extra files are separate files, fetched by the caller.
  for (const name of manifestOverride ? [] : manifest.extraFiles) {
    const text = embedded[name];
    if (typeof text !== 'string') wrap(location, `extra file '${name}'`, 'it is missing from the metadata');
    try {
      extraFiles[name] = fromBase64(text);
    } catch (cause) {
      wrap(location, `extra file '${name}'`, `its base64 text is corrupt (${describeCause(cause)})`);
    }
  }
  const load = (artifacts: tf.io.ModelArtifacts, name: 'encoder' | 'decoder'): Promise<tfl.LayersModel> => {
    const source: NetworkSource = { where: WHERE, location, file: `the ${name} at ${location}` };
    const parts = partsOfArtifacts(artifacts, source);
    if (name === 'encoder') delete parts.userDefinedMetadata;
    let data: ArrayBuffer;
    try {
      data = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
    } catch (cause) {
      wrap(location, `the ${name}'s weights`, cause);
    }
    return buildNetwork(parts, data, [], source, { expected: expectedInputs(manifest, name), manifestName });
  };
  const encoder = await load(encoderArtifacts, 'encoder');
  try {
    const decoder = await load(decoderArtifacts, 'decoder');
    return { manifest, manifestName, encoder, decoder, extraFiles };
  } catch (error) {
    releaseNetwork(encoder);
    throw error;
  }
}

async function fromHttp(url: string, options: LoadVAEOptions): Promise<RawParts> {
  const base = url.replace(/\/+$/, '').replace(/\/vae\.json$/, '');
  const fetchFunc = options.fetchFunc ?? globalThis.fetch;
  let found: { manifest: VAEManifest; name: string } | undefined;
  try {
    const response = await fetchFunc(`${base}/vae.json`, options.requestInit);
    if (response.ok) found = { manifest: parseManifest(await response.text(), url), name: `${base}/vae.json` };
  } catch (cause) {
    wrap(url, 'vae.json', cause);
  }
  const httpOptions = { fetchFunc, requestInit: options.requestInit };
  const encoderUrl = `${base}/${found?.manifest.encoder ?? 'encoder/model.json'}`;
  const decoderUrl = `${base}/${found?.manifest.decoder ?? 'decoder/model.json'}`;
  const parts = await fromHandlers(
    tf.io.http(encoderUrl, httpOptions),
    tf.io.http(decoderUrl, httpOptions),
    url,
    found,
  );
  try {
    for (const name of found?.manifest.extraFiles ?? []) {
      const r = await fetchFunc(`${base}/extra/${name}`, options.requestInit).catch((c) =>
        wrap(url, `extra file '${name}'`, c),
      );
      if (!r.ok) wrap(url, `extra file '${name}'`, `HTTP ${r.status}`);
      parts.extraFiles[name] = new Uint8Array(await r.arrayBuffer().catch((c) => wrap(url, `extra file '${name}'`, c)));
    }
    return parts;
  } catch (error) {
    releaseNetwork(parts.encoder);
    releaseNetwork(parts.decoder);
    throw error;
  }
}

/** Whether a network's shape (batch axis first, `null` = any size) fits `[batch, ...dims]`. */
function fits(shape: ReadonlyArray<number | null>, dims: readonly number[]): boolean {
  return shape.length === dims.length + 1 && dims.every((d, i) => shape[i + 1] === null || shape[i + 1] === d);
}

function showNetworkShape(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d, i) => (i === 0 ? 'batch' : d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * Checks that the networks are the ones the manifest describes: latentDim, inputShape and
 * numClasses as the inputs and outputs say, and a decoder output of the likelihood's shape.
 */
function checkNetworks(parts: RawParts, likelihood: Likelihood, location: string): void {
  const { manifest, manifestName, encoder, decoder } = parts;
  const { latentDim, inputShape, numClasses } = manifest.config;
  const mismatch = (field: string, value: unknown, network: string, shape: string): never => {
    throw new ModelFormatError(
      `${WHERE}: ${manifestName} says ${field} ${JSON.stringify(value)}, but the ${network} is ${shape}. The manifest and the networks belong to different models; save the model again with vae.save().`,
      { location },
    );
  };
  if (encoder.outputs.length !== 2 || decoder.outputs.length !== 1) {
    throw new ModelFormatError(
      `${WHERE}: ${location} holds an encoder with ${encoder.outputs.length} outputs and a decoder with ${decoder.outputs.length}; a VAE needs 2 ([mean, logVar]) and 1. The folder does not hold a VAE written by vae.save().`,
      { location },
    );
  }
  for (const [name, model] of [
    ['encoder', encoder],
    ['decoder', decoder],
  ] as const) {
    model.inputs.forEach((input, i) => {
      if (input.dtype !== 'float32') {
        throw new ModelFormatError(
          `${WHERE}: the ${name} of ${location} takes input ${i} as ${JSON.stringify(input.dtype)}; a VAE feeds its networks float32 data, codes and one-hot labels. The model.json is corrupt; save the model again with vae.save().`,
          { location },
        );
      }
    });
  }
  const inputs = numClasses > 0 ? 2 : 1;
  for (const [name, model] of [
    ['encoder', encoder],
    ['decoder', decoder],
  ] as const) {
    if (model.inputs.length !== inputs) {
      mismatch(
        'numClasses',
        numClasses,
        `${name}'s input list`,
        `${model.inputs.length} input(s) long (a conditional model takes [data, labels])`,
      );
    }
    if (numClasses > 0 && !fits(model.inputs[1].shape, [numClasses])) {
      mismatch('numClasses', numClasses, `${name}'s label input`, showNetworkShape(model.inputs[1].shape));
    }
  }
  if (!fits(encoder.inputs[0].shape, inputShape)) {
    mismatch('inputShape', inputShape, 'encoder input', showNetworkShape(encoder.inputs[0].shape));
  }
  encoder.outputs.forEach((out, i) => {
    if (!fits(out.shape, [latentDim])) {
      mismatch('latentDim', latentDim, `encoder's ${i === 0 ? 'mean' : 'logVar'} output`, showNetworkShape(out.shape));
    }
  });
  if (!fits(decoder.inputs[0].shape, [latentDim])) {
    mismatch('latentDim', latentDim, 'decoder input', showNetworkShape(decoder.inputs[0].shape));
  }
  const paramShape = likelihood.paramShape(inputShape);
  if (!fits(decoder.outputs[0].shape, paramShape)) {
    mismatch(
      `inputShape ${JSON.stringify(inputShape)} with likelihood`,
      manifest.config.likelihood.kind,
      `decoder output (expected [batch, ${paramShape.join(', ')}])`,
      showNetworkShape(decoder.outputs[0].shape),
    );
  }
}

function assemble(parts: RawParts, location: string): VAE {
  const { manifest, manifestName, encoder, decoder } = parts;
  let likelihood: Likelihood | undefined;
  let vae: VAE | undefined;
  try {
    try {
      likelihood = resolveLikelihood(manifest.likelihood, WHERE);
    } catch (cause) {
      if (!ConfigError.isInstance(cause)) throw cause;
      throw new ModelFormatError(`${WHERE}: ${manifestName} has a likelihood that cannot be built: ${cause.message}`, {
        location,
        cause,
      });
    }
    checkNetworks(parts, likelihood, location);
    vae = new VAE({ encoder, decoder, likelihood, config: manifest.config });
    const vars = likelihood.trainableVariables;
    if (vars.length !== manifest.likelihoodWeights.length) {
      throw new ModelFormatError(
        `${WHERE}: ${location} stores ${manifest.likelihoodWeights.length} likelihood variables but the '${manifest.likelihood.kind}' likelihood has ${vars.length}. The manifest is corrupt; save the model again.`,
        { location },
      );
    }
    vars.forEach((v, i) => {
      const { shape, values } = manifest.likelihoodWeights[i];
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
        throw new ModelFormatError(
          `${WHERE}: ${manifestName} stores likelihood variable ${i} with shape [${shape.join(', ')}], but the '${manifest.likelihood.kind}' likelihood of data shape [${manifest.config.inputShape.join(', ')}] has [${v.shape.join(', ')}]. The manifest is corrupt; save the model again.`,
          { location },
        );
      }
      tf.tidy(() => v.assign(tf.tensor(values, shape)));
    });
    return vae;
  } catch (error) {
    disposeQuietly(vae, likelihood);
    releaseNetwork(encoder);
    releaseNetwork(decoder);
    wrap(location, 'the model', error);
  }
}

async function loadParts(source: VAEDestination, options: LoadVAEOptions): Promise<RawParts> {
  if (typeof source !== 'string') return fromHandlers(source?.encoder, source?.decoder, 'handlers');
  if (source.startsWith('file://')) return fromFolder(source);
  if (/^https?:\/\//i.test(source)) return fromHttp(source, options);
  const base = source.replace(/\/+$/, '');
  const pick = (url: string): tf.io.IOHandler => {
    const found = tf.io.getLoadHandlers(url);
    if (found.length === 0) {
      throw new ModelFormatError(
        `${WHERE}: no tf.io load handler accepts '${url}' here. Use file:// in Node, indexeddb:// or localstorage:// in a browser, http(s):// for a server, or pass { encoder, decoder } handlers.`,
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
 * Everything read is checked before it is used: `vae.json` against its schema (types, ranges,
 * and latentDim, inputShape and numClasses against the networks' actual shapes), the weight
 * files' sizes against `model.json` before any tensor is allocated, weights for NaN and
 * infinities, and every path for staying inside the model folder (no `..`, absolute paths or
 * symbolic links out of it). A failed load leaves no tensor behind.
 *
 * @param source - Where the model is.
 * @param options - `fetchFunc` and `requestInit` for http(s).
 * @returns `{ vae, trainingState, extraFiles, manifest }`; the caller owns `vae`.
 * @throws {@link ModelFormatError} for a missing, unreadable, corrupt, inconsistent or
 *   newer-format model, or one that references files outside its folder; the message names the
 *   file and the field.
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
  let parts: RawParts;
  try {
    parts = await loadParts(source, options);
  } catch (error) {
    wrap(location, 'the model', error);
  }
  const vae = assemble(parts, location);
  return { vae, trainingState: parts.manifest.trainingState, extraFiles: parts.extraFiles, manifest: parts.manifest };
}

/**
 * Loads a VAE saved by {@link saveVAE} / {@link VAE.save}; its outputs equal the saved model's.
 * See {@link loadVAEWithExtras} for the sources, the checks made on what is read, and for
 * training state and extra files.
 *
 * @param source - `file://path`, `http(s)://base`, `indexeddb://key`, `localstorage://key`, or `{ encoder, decoder }` handlers.
 * @param options - `fetchFunc` and `requestInit` for http(s).
 * @returns The model; the caller disposes it.
 * @throws {@link ModelFormatError} for a missing, unreadable, corrupt, inconsistent or
 *   newer-format model, or one that references files outside its folder.
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
