import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

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

/**
 * Rebuilds a LayersModel from the text of its `model.json` and a reader of the weight files it
 * names (paths relative to `model.json`).
 */
export async function loadModelFromFiles(
  modelJsonText: string,
  readFile: (rel: string) => Promise<Uint8Array>,
): Promise<tfl.LayersModel> {
  const modelJson = JSON.parse(modelJsonText) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const rel of group.paths) {
        const bytes = await readFile(rel);
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
