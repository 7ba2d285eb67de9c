import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError, VAEError } from '../errors/index.js';
import { failNetwork } from './network-failure.js';
import { checkTopology, checkTopologyInputs, type ExpectedInput } from './topology-check.js';

/** Captures a LayersModel's artifacts (topology + weights) in memory. */
export async function captureArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return captured!;
}

/** The two files of a standard tfjs LayersModel folder: `model.json` and `weights.bin`. */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts): { modelJson: string; weights: Uint8Array } {
  const modelJson: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  return { modelJson: JSON.stringify(modelJson), weights };
}

/** Who is reading which network from where, for messages. */
export interface NetworkSource {
  /** The caller, e.g. `'loadVAE'`. */
  where: string;
  /** The model's location as the caller gave it (the `location` of the errors). */
  location: string;
  /** The network's description file, e.g. `file://m/encoder/model.json` or `the encoder of handlers`. */
  file: string;
}

/** A network's description, checked: everything but the weight bytes. */
export interface NetworkParts {
  /** The Keras-style topology. */
  modelTopology: object;
  /** One entry per weight tensor, in the order of the bytes. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** Files holding the weight bytes, relative to `model.json`, in order (empty for in-memory artifacts). */
  weightPaths: string[];
  /** Kept as tfjs keeps it. */
  trainingConfig?: tf.io.TrainingConfig;
  /** Kept as tfjs keeps it. */
  userDefinedMetadata?: Record<string, unknown>;
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
/** Most elements one weight tensor may have (the length limit of a typed array, with margin). */
const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Bytes one spec's tensor takes in the weight data. */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  const per = spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : BYTES_PER_ELEMENT[spec.dtype];
  return elements * per;
}

/** Checks a list of weight specs (names, shapes, dtypes, quantization); returns it typed. */
export function checkWeightSpecs(value: unknown, source: NetworkSource, field: string): tf.io.WeightsManifestEntry[] {
  if (!Array.isArray(value)) failNetwork(source, `has no list of weights in ${field}`);
  const names = new Set<string>();
  value.forEach((spec: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(spec)) failNetwork(source, `has ${at} = ${JSON.stringify(spec)}, expected { name, shape, dtype }`);
    if (typeof spec.name !== 'string' || spec.name === '') failNetwork(source, `has no name in ${at}`);
    if (names.has(spec.name)) failNetwork(source, `lists the weight '${spec.name}' twice (${at})`);
    names.add(spec.name);
    const shape = spec.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      failNetwork(
        source,
        `gives ${at} ('${spec.name}') the shape ${JSON.stringify(shape)}, expected a list of sizes >= 0`,
      );
    }
    if (shape.reduce((a: number, b: number) => a * b, 1) > MAX_TENSOR_ELEMENTS) {
      failNetwork(
        source,
        `gives '${spec.name}' the shape ${JSON.stringify(shape)}, more than ${MAX_TENSOR_ELEMENTS} values`,
      );
    }
    if (typeof spec.dtype !== 'string' || !(spec.dtype in BYTES_PER_ELEMENT)) {
      failNetwork(
        source,
        `gives '${spec.name}' the dtype ${JSON.stringify(spec.dtype)}, expected one of ${Object.keys(BYTES_PER_ELEMENT).join(', ')}`,
      );
    }
    const q = spec.quantization;
    if (q !== undefined) {
      if (
        !isObject(q) ||
        typeof q.dtype !== 'string' ||
        !(q.dtype in QUANTIZED_BYTES) ||
        (q.scale !== undefined && !Number.isFinite(q.scale)) ||
        (q.min !== undefined && !Number.isFinite(q.min))
      ) {
        failNetwork(
          source,
          `gives '${spec.name}' the quantization ${JSON.stringify(q)}, expected { dtype: 'uint8' | 'uint16' | 'float16', scale, min }`,
        );
      }
    }
  });
  return value as tf.io.WeightsManifestEntry[];
}

/**
 * Parses and checks the text of a `model.json`: topology, weight specs and the weight files'
 * paths (as written; the caller confines them to its folder).
 */
export function parseModelJson(text: string, source: NetworkSource): NetworkParts {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    failNetwork(source, 'is not valid JSON (the file is corrupt or truncated)', cause);
  }
  if (!isObject(json)) failNetwork(source, 'does not hold a JSON object');
  if (!isObject(json.modelTopology)) failNetwork(source, 'has no modelTopology object');
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) failNetwork(source, 'has no weightsManifest list');
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightPaths: string[] = [];
  manifest.forEach((group: unknown, g) => {
    if (!isObject(group) || !Array.isArray(group.paths)) {
      failNetwork(source, `has weightsManifest[${g}] without a paths list`);
    }
    group.paths.forEach((path: unknown, i) => {
      if (typeof path !== 'string')
        failNetwork(source, `has weightsManifest[${g}].paths[${i}] = ${JSON.stringify(path)}, expected a file name`);
      weightPaths.push(path);
    });
    weightSpecs.push(...checkWeightSpecs(group.weights, source, `weightsManifest[${g}].weights`));
  });
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightPaths,
    ...(json.trainingConfig == null ? {} : { trainingConfig: json.trainingConfig as tf.io.TrainingConfig }),
    ...(isObject(json.userDefinedMetadata) ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  };
}

/** Checks in-memory artifacts (from a tf.io handler) as {@link parseModelJson} checks a file. */
export function partsOfArtifacts(artifacts: tf.io.ModelArtifacts, source: NetworkSource): NetworkParts {
  if (typeof artifacts !== 'object' || artifacts === null) {
    failNetwork(source, 'is not a model (the handler returned no artifacts)');
  }
  if (!isObject(artifacts.modelTopology)) failNetwork(source, 'has no modelTopology object (is it a graph model?)');
  return {
    modelTopology: artifacts.modelTopology,
    weightSpecs: checkWeightSpecs(artifacts.weightSpecs ?? [], source, 'weightSpecs'),
    weightPaths: [],
    ...(artifacts.trainingConfig == null ? {} : { trainingConfig: artifacts.trainingConfig }),
    ...(isObject(artifacts.userDefinedMetadata) ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
}

/** The first non-finite float in the weight data, as `[spec name, value]`, or `undefined`. */
function firstNonFinite(data: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): [string, number] | undefined {
  let offset = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec);
    if (spec.quantization === undefined && (spec.dtype === 'float32' || spec.dtype === 'complex64')) {
      const floats =
        offset % 4 === 0
          ? new Float32Array(data, offset, bytes / 4)
          : new Float32Array(data.slice(offset, offset + bytes));
      for (const v of floats) if (!Number.isFinite(v)) return [spec.name, v];
    }
    offset += bytes;
  }
  return undefined;
}

/** The describing text of the weight files for messages: `file://m/encoder/weights.bin` or a list. */
function describeFiles(files: readonly string[]): string {
  if (files.length === 1) return files[0];
  return `the ${files.length} weight files (${files.join(', ')})`;
}

/** The variables each network built here made, so that a failed load can free all of them. */
const builtVariables = new WeakMap<tfl.LayersModel, tf.Variable[]>();

/**
 * Frees a network built by {@link buildNetwork} whose load failed later: `dispose()`, and then
 * every variable its build made. tfjs counts a layer's references per call, so `dispose()` alone
 * leaves the weights of a layer that the model calls twice. Never throws.
 */
export function releaseNetwork(model: tfl.LayersModel | undefined): void {
  if (model === undefined) return;
  try {
    model.dispose();
  } catch {
    // already disposed (by the VAE that held it): the variables below are what may be left
  }
  for (const v of builtVariables.get(model) ?? []) if (!v.isDisposed) v.dispose();
}

/** Refuses weight bytes of another size than the specs describe, or holding NaN or infinities. */
function checkWeightData(
  weightData: ArrayBuffer,
  weightSpecs: tf.io.WeightsManifestEntry[],
  weightFiles: readonly string[],
  source: NetworkSource,
): void {
  const held = weightFiles.length === 0 ? `the weight data of ${source.file}` : describeFiles(weightFiles);
  const expected = weightSpecs.reduce((s, spec) => s + specBytes(spec), 0);
  if (weightData.byteLength !== expected) {
    const diff = weightData.byteLength - expected;
    throw new ModelFormatError(
      `${source.where}: ${held} has ${weightData.byteLength} bytes, but ${source.file} describes ${expected} bytes of weights (${weightSpecs.length} tensors): ${Math.abs(diff)} bytes ${diff > 0 ? 'too many' : 'missing'}. The weights are ${diff > 0 ? 'from another model, or have trailing garbage' : 'truncated'}; save the model again with vae.save().`,
      { location: source.location },
    );
  }
  const bad = firstNonFinite(weightData, weightSpecs);
  if (bad !== undefined) {
    throw new ModelFormatError(
      `${source.where}: ${held} holds ${bad[1]} in the weight '${bad[0]}'; weights must be finite numbers. The file is corrupt, or the model diverged before it was saved; save a healthy model again.`,
      { location: source.location },
    );
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Builds the layers of a checked topology. tfjs does it synchronously inside modelFromJSON,
 * before its first await, so the variables registered during that call are this model's, even
 * when the build throws half-way and no model comes back to dispose. The tidy frees the other
 * tensors such a build leaves (an initial value whose variable was refused); what a model keeps
 * is in variables or held with tf.keep, as tfjs does for models built inside tidy.
 */
async function buildLayers(modelTopology: object, source: NetworkSource): Promise<tfl.LayersModel> {
  const registry = () => tf.engine().registeredVariables;
  const before = new Set(Object.keys(registry()));
  let pending: Promise<tfl.LayersModel> | undefined;
  let thrown: unknown;
  tf.tidy(() => {
    try {
      pending = tfl.models.modelFromJSON({ modelTopology } as tfl.ModelAndWeightsConfig);
    } catch (cause) {
      thrown = cause;
    }
  });
  const created = Object.entries(registry())
    .filter(([name]) => !before.has(name))
    .map(([, v]) => v);
  try {
    if (pending === undefined) throw thrown;
    const model = await pending;
    builtVariables.set(model, created);
    return model;
  } catch (cause) {
    for (const v of created) if (!v.isDisposed) v.dispose();
    if (VAEError.isInstance(cause)) throw cause;
    failNetwork(source, `does not describe a model tfjs can build (${describeCause(cause)})`, cause);
  }
}

/**
 * Builds a LayersModel from checked parts and its weight bytes, leaking no tensor when it fails:
 * sizes are checked before anything is allocated, and whatever a failed build made is freed.
 *
 * @param parts - From {@link parseModelJson} or {@link partsOfArtifacts}.
 * @param weightData - The weight bytes, all files joined in order.
 * @param weightFiles - Names of the files the bytes came from, for messages (may be empty).
 * @param source - For messages.
 * @param inputs - The inputs the network must take (from the manifest), checked before any allocation.
 */
export async function buildNetwork(
  parts: NetworkParts,
  weightData: ArrayBuffer,
  weightFiles: readonly string[],
  source: NetworkSource,
  inputs?: { expected: readonly ExpectedInput[]; manifestName: string },
): Promise<tfl.LayersModel> {
  const { weightSpecs } = parts;
  if (inputs !== undefined) checkTopologyInputs(parts.modelTopology, inputs.expected, inputs.manifestName, source);
  checkWeightData(weightData, weightSpecs, weightFiles, source);
  const elements = weightSpecs.reduce((s, spec) => s + spec.shape.reduce((a, b) => a * b, 1), 0);
  checkTopology(parts.modelTopology, elements, source);
  const model = await buildLayers(parts.modelTopology, source);
  try {
    const weights = tf.tidy(() => tf.io.decodeWeights(weightData, weightSpecs));
    try {
      const modelWeights: tf.NamedTensorMap = {};
      for (const spec of weightSpecs) if (spec.group !== 'optimizer') modelWeights[spec.name] = weights[spec.name];
      model.loadWeights(modelWeights, true);
    } finally {
      tf.dispose(Object.values(weights));
    }
  } catch (cause) {
    releaseNetwork(model);
    failNetwork(source, `does not match its weights (${describeCause(cause)})`, cause);
  }
  try {
    if (parts.trainingConfig !== undefined) {
      // tfjs-core and tfjs-layers each declare the training config; they are the same JSON
      model.loadTrainingConfig(parts.trainingConfig as Parameters<tfl.LayersModel['loadTrainingConfig']>[0]);
    }
    if (parts.userDefinedMetadata !== undefined) model.setUserDefinedMetadata(parts.userDefinedMetadata);
  } catch (cause) {
    releaseNetwork(model);
    failNetwork(source, `has a trainingConfig or userDefinedMetadata tfjs refuses (${describeCause(cause)})`, cause);
  }
  return model;
}
