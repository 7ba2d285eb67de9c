/**
 * Serializable TensorFlow.js layers for Variational Autoencoders, and single-graph export.
 *
 * For people who build Keras-style graphs (`z = Sampling()([zMean, zLogVar])`):
 * - Layers: {@link Sampling} (the reparameterization trick), {@link GaussianHead} (features ->
 *   `[mean, logVar]`, optionally bounded) and {@link LabelConditioning} (appends a one-hot label
 *   to flat or spatial inputs), each with a lowercase factory ({@link sampling},
 *   {@link gaussianHead}, {@link labelConditioning}). Importing this package registers them with
 *   tfjs's serialization, so models containing them save and load like any other.
 * - Export: {@link toLayersModel} turns a `@vae/core` `VAE` into one `tf.LayersModel`
 *   from input to reconstruction, plus encoder and decoder models.
 * - I/O: {@link saveLayersModel} (adds `file://` in Node) and
 *   {@link loadLayersModelWithVAELayers} (adds `file://` and a clear error for unregistered layers).
 *
 * Saved models are standard Keras-format JSON; on the Python side, Keras needs classes for the
 * three custom layers (`VaeSampling`, `VaeGaussianHead`, `VaeLabelConditioning`): see the README.
 *
 * @packageDocumentation
 */

export type { LayersModelDestination, LayersModelSource } from './io/index.js';
export { loadLayersModelWithVAELayers, saveLayersModel, VAE_LAYER_CLASS_NAMES } from './io/index.js';
export type { GaussianHeadArgs, LabelConditioningArgs, LogVarBoundMethod, SamplingArgs } from './layers/index.js';
export {
  GaussianHead,
  gaussianHead,
  LabelConditioning,
  labelConditioning,
  Sampling,
  sampling,
} from './layers/index.js';
export type { ToLayersModelOptions, VAELayersModels } from './models/index.js';
export { toLayersModel } from './models/index.js';

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/layers';
