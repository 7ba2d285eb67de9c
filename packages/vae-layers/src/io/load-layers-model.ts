import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFormatError } from '@vae/core';
import { resolveReadableFolder } from '@vae/core/internal';
import { GaussianHead } from '../layers/gaussian-head.js';
import { LabelConditioning } from '../layers/label-conditioning.js';
import { Sampling } from '../layers/sampling.js';
import { filePathOf, loadNodeFs } from './file-system.js';

/**
 * Where {@link loadLayersModelWithVAELayers} reads from: a `file://` folder or `model.json`
 * (Node), any URL that tfjs handles, or a `tf.io` handler (e.g. `tf.io.fromMemory(artifacts)`).
 *
 * @category IO
 */
export type LayersModelSource = string | tf.io.IOHandler;

/**
 * The class names this package registers with tfjs's serialization, as they appear in saved
 * Keras JSON (`class_name`): `VaeSampling`, `VaeGaussianHead`, `VaeLabelConditioning`.
 *
 * @example
 * ```ts
 * import { VAE_LAYER_CLASS_NAMES } from '@vae/layers';
 * console.log(VAE_LAYER_CLASS_NAMES.join(', '));
 * ```
 * @category IO
 */
export const VAE_LAYER_CLASS_NAMES: readonly string[] = Object.freeze([
  Sampling.className,
  GaussianHead.className,
  LabelConditioning.className,
]);

/**
 * Loads a `tf.LayersModel` that may contain {@link Sampling}, {@link GaussianHead} or
 * {@link LabelConditioning} layers (importing this function registers them).
 *
 * Adds two things to `tf.loadLayersModel`: `file://` in Node (a folder written by
 * {@link saveLayersModel}, or a path to `model.json`), and a clear error when the JSON names a
 * layer class nobody registered. tfjs's own message for that is
 * `Unknown layer: <ClassName>. This may be due to one of the following reasons: ...`; this
 * function rethrows it as a `ModelFormatError` (tfjs's error kept as `cause`) that names
 * the class and the fix: `import '@vae/layers'` for this package's layers (or a single copy of
 * `@tensorflow/tfjs-layers` when two are installed), `tf.serialization.registerClass` for your own.
 *
 * @param source - `file://folder`, `file://folder/model.json`, another tfjs URL, or a `tf.io` handler.
 * @returns The model (new; dispose it when done).
 * @throws `ModelFormatError` for an unknown layer class, a missing file, or a URL tfjs cannot read.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { gaussianHead, loadLayersModelWithVAELayers, saveLayersModel } from '@vae/layers';
 *
 * const x = tfl.input({ shape: [4] });
 * const heads = gaussianHead({ latentDim: 2 }).apply(x) as tfl.SymbolicTensor[];
 * await saveLayersModel(tfl.model({ inputs: x, outputs: heads }), 'file://./runs/head');
 * const model = await loadLayersModelWithVAELayers('file://./runs/head/model.json');
 * model.summary();
 * ```
 * @category IO
 */
export async function loadLayersModelWithVAELayers(source: LayersModelSource): Promise<tfl.LayersModel> {
  const where = 'loadLayersModelWithVAELayers';
  const location = typeof source === 'string' ? source : undefined;
  let handler: string | tf.io.IOHandler = source;
  if (typeof source === 'string' && source.startsWith('file://')) {
    handler = await fileHandler(where, source);
  } else if (typeof source === 'string' && tf.io.getLoadHandlers(source).length === 0) {
    throw new ModelFormatError(
      `${where}: no tf.io handler loads ${JSON.stringify(source)}. Use file://folder (Node), indexeddb://, localstorage://, http(s)://, or pass a tf.io handler such as tf.io.fromMemory(artifacts).`,
      { location: source },
    );
  }
  try {
    return await tfl.loadLayersModel(handler);
  } catch (cause) {
    throw explainLoadError(where, cause, location);
  }
}

/**
 * Turns tfjs's "Unknown layer" error into a `ModelFormatError` that says how to fix it;
 * other errors pass through unchanged.
 *
 * @param where - The function name for the message.
 * @param error - What tfjs threw.
 * @param location - The URL, if any.
 * @returns The error to throw.
 */
export function explainLoadError(where: string, error: unknown, location?: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const match = /Unknown layer: ([^\s.]+)/.exec(message);
  if (!match) return error;
  const className = match[1]!;
  const ours = VAE_LAYER_CLASS_NAMES.includes(className);
  const fix = ours
    ? `${className} is a layer of @vae/layers: add \`import '@vae/layers'\` before loading. If that import is already there, two copies of @tensorflow/tfjs-layers are installed (or ESM and CommonJS copies are mixed); dedupe them so that @vae/layers and your code share one.`
    : `If ${className} is one of your layers, register it with tf.serialization.registerClass(${className}) before loading; if it comes from @vae/layers, add \`import '@vae/layers'\`.`;
  return new ModelFormatError(
    `${where}: the model uses the layer class ${className}, which is not registered with TensorFlow.js. ${fix}`,
    { location, cause: error },
  );
}

async function fileHandler(where: string, url: string): Promise<tf.io.IOHandler> {
  const { fs, path } = await loadNodeFs(where, url);
  const target = filePathOf(url);
  const jsonPath = target.endsWith('.json')
    ? target
    : path.join(await resolveReadableFolder(target, 'model.json'), 'model.json');
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (cause) {
    throw new ModelFormatError(
      `${where}: cannot read ${jsonPath}. Pass a folder written by saveLayersModel (holding model.json) or the path to a model.json.`,
      { location: url, cause },
    );
  }
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(text) as tf.io.ModelJSON;
  } catch (cause) {
    throw new ModelFormatError(`${where}: ${jsonPath} is not valid JSON. Save the model again with saveLayersModel.`, {
      location: url,
      cause,
    });
  }
  const dir = path.dirname(jsonPath);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const rel of group.paths) {
        const bytes = await fs.readFile(path.join(dir, rel)).catch((cause: unknown) => {
          throw new ModelFormatError(`${where}: cannot read the weight file ${rel} named in ${jsonPath}.`, {
            location: url,
            cause,
          });
        });
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.io.fromMemory(artifacts);
}
