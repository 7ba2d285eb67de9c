/**
 * Backend-agnostic Variational Autoencoders for TensorFlow.js.
 *
 * `@vae/core` holds the math and the model: likelihoods and KL terms, the reparameterization and
 * prior sampling, the `VAE` object and its builders, training, evaluation and save/load. It
 * depends on `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` as peers only, so it runs on
 * whichever backend the application activates.
 *
 * @packageDocumentation
 */

export type { VaeErrorOptions } from './errors/index.js';
export {
  BackendError,
  ConfigError,
  DatasetError,
  DisposedError,
  EncoderContractError,
  ModelFormatError,
  NonFiniteLossError,
  ShapeError,
  VaeError,
} from './errors/index.js';
