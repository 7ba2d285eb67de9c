import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)
import { checkNumber } from '../internal/index.js';
import type { Likelihood, LikelihoodConfig, LikelihoodSupport } from './likelihood.js';
import { sumPerExample } from './reduce.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Options of {@link gaussianLikelihood}.
 *
 * @category Losses
 */
export interface GaussianLikelihoodOptions {
  /**
   * The fixed standard deviation of every data value. With `sigma = 1` the loss is half the
   * summed squared error plus a constant, i.e. MSE-style training, still reported in nats.
   *
   * @defaultValue 1
   */
  sigma?: number;
}

/**
 * Gaussian likelihood with a fixed standard deviation `sigma`; the decoder emits the mean.
 *
 * `log p(x | mu) = -0.5 * sum((x - mu)^2 / sigma^2 + log(2 pi sigma^2))`, every constant kept,
 * so values are true log-densities in nats comparable across models.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gaussianLikelihood } from '@vae/core';
 *
 * const lik = gaussianLikelihood({ sigma: 0.1 });
 * lik.logProb(tf.tensor2d([[0.5]]), tf.tensor2d([[0.5]])).print(); // [-0.5 * ln(2 pi 0.01)]
 * ```
 *
 * @category Losses
 */
export class GaussianLikelihood implements Likelihood {
  /** Always `'gaussian'`. */
  readonly kind = 'gaussian' as const;
  /** No variables of its own. */
  readonly trainableVariables: tf.Variable[] = [];
  /** Any finite value. */
  readonly support: LikelihoodSupport = Object.freeze({ min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY });
  /** The fixed standard deviation. */
  readonly sigma: number;

  /**
   * @param options - See {@link GaussianLikelihoodOptions}.
   * @throws {@link ConfigError} when `sigma` is not a positive finite number.
   */
  constructor(options: GaussianLikelihoodOptions = {}) {
    const sigma = options.sigma ?? 1;
    checkNumber('gaussianLikelihood', 'sigma', sigma, Number.MIN_VALUE, Number.POSITIVE_INFINITY, '{ sigma: 0.1 }');
    this.sigma = sigma;
  }

  /** Nothing to build. */
  build(): void {}

  /**
   * @param dataShape - The data shape without the batch axis.
   * @returns The same shape: one mean per value.
   */
  paramShape(dataShape: readonly number[]): number[] {
    return [...dataShape];
  }

  /**
   * @param x - Data, `[batch, ...dataShape]`.
   * @param mean - Decoder output (means), `[batch, ...dataShape]`.
   * @returns `[batch]` log-densities in nats (new tensor).
   */
  logProb(x: tf.Tensor, mean: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const perValueConstant = -0.5 * (LOG_2PI + 2 * Math.log(this.sigma));
      const count = x.size / x.shape[0];
      const sq = sumPerExample(tf.squaredDifference(x, mean));
      return tf.add(tf.mul(sq, -0.5 / (this.sigma * this.sigma)), perValueConstant * count) as tf.Tensor1D;
    });
  }

  /**
   * @param mean - Decoder output.
   * @returns A copy of the decoder's means (new tensor).
   */
  mean(mean: tf.Tensor): tf.Tensor {
    return tf.clone(mean);
  }

  /** @returns `{ kind: 'gaussian', sigma }`. */
  toConfig(): LikelihoodConfig {
    return { kind: 'gaussian', sigma: this.sigma };
  }

  /** Nothing to dispose. */
  dispose(): void {}
}

/**
 * Makes a {@link GaussianLikelihood} with a fixed standard deviation.
 *
 * @param options - See {@link GaussianLikelihoodOptions}.
 * @returns A new Gaussian likelihood.
 * @throws {@link ConfigError} when `sigma` is not a positive finite number.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildConvVAE, gaussianLikelihood } from '@vae/core';
 * const vae = buildConvVAE({ inputShape: [32, 32, 3], likelihood: gaussianLikelihood({ sigma: 0.1 }) });
 * ```
 * @category Losses
 */
export function gaussianLikelihood(options: GaussianLikelihoodOptions = {}): GaussianLikelihood {
  return new GaussianLikelihood(options);
}
