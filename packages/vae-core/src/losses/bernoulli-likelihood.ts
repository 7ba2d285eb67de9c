import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)
import type { Likelihood, LikelihoodConfig, LikelihoodSupport } from './likelihood.js';
import { sumPerExample } from './reduce.js';

/**
 * Bernoulli likelihood parameterized by logits: for binary data or intensities in [0, 1]
 * (binary cross-entropy, summed over pixels).
 *
 * `log p(x | l) = x * l - softplus(l)`, computed without forming `sigmoid(l)`, so logits of
 * any size give finite values and gradients. The decoder must emit logits (no sigmoid);
 * {@link BernoulliLikelihood.mean} applies the sigmoid.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { bernoulliLikelihood } from '@vae/core';
 *
 * const lik = bernoulliLikelihood();
 * const logp = lik.logProb(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]])); // [-2 ln 2]
 * ```
 *
 * @category Losses
 */
export class BernoulliLikelihood implements Likelihood {
  /** Always `'bernoulli'`. */
  readonly kind = 'bernoulli' as const;
  /** No variables of its own. */
  readonly trainableVariables: tf.Variable[] = [];
  /** Data in [0, 1]: binary values or intensities (divide 8-bit pixels by 255). */
  readonly support: LikelihoodSupport = Object.freeze({ min: 0, max: 1 });

  /** Nothing to build. */
  build(): void {}

  /**
   * @param dataShape - The data shape without the batch axis.
   * @returns The same shape: one logit per value.
   */
  paramShape(dataShape: readonly number[]): number[] {
    return [...dataShape];
  }

  /**
   * @param x - Data in [0, 1], `[batch, ...dataShape]`.
   * @param logits - Decoder output, `[batch, ...dataShape]`.
   * @returns `[batch]` log-probabilities in nats (new tensor).
   */
  logProb(x: tf.Tensor, logits: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => sumPerExample(tf.sub(tf.mul(x, logits), tf.softplus(logits))));
  }

  /**
   * @param logits - Decoder output.
   * @returns `sigmoid(logits)`: probabilities, the picture (new tensor).
   */
  mean(logits: tf.Tensor): tf.Tensor {
    return tf.sigmoid(logits);
  }

  /** @returns `{ kind: 'bernoulli' }`. */
  toConfig(): LikelihoodConfig {
    return { kind: 'bernoulli' };
  }

  /** Nothing to dispose. */
  dispose(): void {}
}

/**
 * Makes a {@link BernoulliLikelihood}.
 *
 * @returns A new Bernoulli likelihood over logits.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { bernoulliLikelihood, buildMlpVAE } from '@vae/core';
 * const vae = buildMlpVAE({ likelihood: bernoulliLikelihood() });
 * ```
 * @category Losses
 */
export function bernoulliLikelihood(): BernoulliLikelihood {
  return new BernoulliLikelihood();
}
