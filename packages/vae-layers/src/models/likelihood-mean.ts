import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, type Likelihood } from '@vae/core';

/**
 * Applies the likelihood's mean to the decoder's parameters with standard Keras layers only, so
 * the exported graph needs no extra custom class:
 * - Bernoulli: `Activation('sigmoid')` (logits -> probabilities);
 * - Gaussian, and learned Gaussian with scalar or per-channel variance: `Activation('linear')`;
 * - learned Gaussian with per-pixel variance (mean and log-variance side by side on the last
 *   axis): a frozen bias-free `Dense` whose kernel `[2c, c]` is `[I; 0]`, which keeps the mean half.
 */
export function applyLikelihoodMean(
  likelihood: Likelihood,
  params: tfl.SymbolicTensor,
  dataShape: readonly number[],
  name: string,
): tfl.SymbolicTensor {
  const config = likelihood.toConfig();
  switch (config.kind) {
    case 'bernoulli':
      return tfl.layers.activation({ activation: 'sigmoid', name }).apply(params) as tfl.SymbolicTensor;
    case 'gaussian':
      return tfl.layers.activation({ activation: 'linear', name }).apply(params) as tfl.SymbolicTensor;
    case 'learned-gaussian': {
      if (config.variance !== 'pixel') {
        return tfl.layers.activation({ activation: 'linear', name }).apply(params) as tfl.SymbolicTensor;
      }
      const channels = dataShape[dataShape.length - 1] as number;
      const select = tfl.layers.dense({ units: channels, useBias: false, trainable: false, name });
      const out = select.apply(params) as tfl.SymbolicTensor;
      const kernel = tf.tidy(() => tf.concat([tf.eye(channels), tf.zeros([channels, channels])], 0));
      select.setWeights([kernel]);
      kernel.dispose();
      return out;
    }
    default:
      throw new ConfigError(
        `toLayersModel: unknown likelihood kind ${JSON.stringify((config as { kind: unknown }).kind)}. Use 'bernoulli', 'gaussian' or 'learned-gaussian'.`,
        { field: 'likelihood', expected: "'bernoulli' | 'gaussian' | 'learned-gaussian'", got: config },
      );
  }
}
