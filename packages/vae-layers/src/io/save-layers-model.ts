import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError } from '@vae/core';
import { writeFolderAtomic } from '@vae/core/internal';
import { filePathOf } from './file-system.js';

/**
 * Where {@link saveLayersModel} writes: a `file://` folder (Node), any URL that tfjs handles
 * (`indexeddb://`, `localstorage://`, `downloads://`, `http(s)://`), or a `tf.io` handler.
 *
 * @category IO
 */
export type LayersModelDestination = string | tf.io.IOHandler;

/**
 * Saves a `tf.LayersModel` (with or without this package's layers) in the standard tfjs format:
 * `model.json` (Keras topology + weights manifest) and `weights.bin`.
 *
 * `file://folder` works in Node, which tfjs-core alone cannot do: the folder is written
 * atomically (a crash leaves the old folder or the new one, never half of one). Every other
 * destination goes to `model.save`.
 *
 * @param model - The model to save; it is not changed.
 * @param destination - `file://folder`, another tfjs URL, or a `tf.io` handler.
 * @returns tfjs's save result (sizes of the topology and weights).
 * @throws `ModelFormatError` when tfjs has no handler for the URL, or Node's file system is missing.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { loadLayersModelWithVAELayers, sampling, saveLayersModel } from '@vae/layers';
 *
 * const mean = tfl.input({ shape: [2] });
 * const logVar = tfl.input({ shape: [2] });
 * const z = sampling({ seed: 1 }).apply([mean, logVar]) as tfl.SymbolicTensor;
 * await saveLayersModel(tfl.model({ inputs: [mean, logVar], outputs: z }), 'file://./runs/sampler');
 * const again = await loadLayersModelWithVAELayers('file://./runs/sampler');
 * again.summary();
 * ```
 * @category IO
 */
export async function saveLayersModel(
  model: tfl.LayersModel,
  destination: LayersModelDestination,
): Promise<tf.io.SaveResult> {
  if (typeof destination === 'string' && destination.startsWith('file://')) {
    const handler = tf.io.withSaveHandler(async (artifacts) => {
      const files = artifactsToFiles(artifacts);
      await writeFolderAtomic(filePathOf(destination), { 'model.json': files.modelJson, 'weights.bin': files.weights });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    });
    return model.save(handler);
  }
  if (typeof destination === 'string' && tf.io.getSaveHandlers(destination).length === 0) {
    throw new ModelFormatError(
      `saveLayersModel: no tf.io handler saves to ${JSON.stringify(destination)}. Use file://folder (Node), indexeddb://, localstorage://, downloads://, http(s)://, or pass a tf.io handler.`,
      { location: destination },
    );
  }
  return model.save(destination);
}

/** The two files of a standard tfjs LayersModel folder. */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts): { modelJson: string; weights: Uint8Array } {
  const modelJson: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJson['trainingConfig'] = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata != null) modelJson['userDefinedMetadata'] = artifacts.userDefinedMetadata;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  return { modelJson: JSON.stringify(modelJson), weights };
}
