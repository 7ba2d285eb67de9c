import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)
import { ConfigError } from '../errors/index.js';
import { checkChoice, checkNumber } from '../internal/index.js';
import type { LearnedVariance, Likelihood, LikelihoodConfig, LikelihoodSupport } from './likelihood.js';
import { sumPerExample } from './reduce.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Options of {@link learnedGaussianLikelihood}.
 *
 * @category Losses
 */
export interface LearnedGaussianLikelihoodOptions {
  /**
   * Where the log-variance lives: one learned scalar, one learned value per channel (the last
   * data axis), or one value per pixel emitted by the decoder beside the mean.
   *
   * @defaultValue `'scalar'`
   */
  variance?: LearnedVariance;
  /**
   * Initial log-variance of the learned scalar or per-channel variables (ignored for
   * `'pixel'`, where the decoder's bias starts it).
   *
   * @defaultValue 0
   */
  initialLogVar?: number;
}

/**
 * Gaussian likelihood whose log-variance is learned.
 *
 * `log p(x | mu, v) = -0.5 * sum((x - mu)^2 * exp(-v) + v + log(2 pi))`, in nats.
 *
 * - `'scalar'` and `'channel'`: `v` is a variable owned by the likelihood (shape `[]` or
 *   `[channels]`, broadcast over the data); the decoder emits `mu` in data shape.
 * - `'pixel'`: the decoder emits `[..., 2 * channels]`: the means in the first `channels` of the
 *   last axis and the log-variances in the rest.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildConvVAE, learnedGaussianLikelihood } from '@vae/core';
 * const vae = buildConvVAE({ inputShape: [32, 32, 3], likelihood: learnedGaussianLikelihood({ variance: 'channel' }) });
 * console.log(vae.trainableVariables.length); // encoder + decoder weights + 1 log-variance variable
 * ```
 *
 * @category Losses
 */
export class LearnedGaussianLikelihood implements Likelihood {
  /** Always `'learned-gaussian'`. */
  readonly kind = 'learned-gaussian' as const;
  /** Any finite value. */
  readonly support: LikelihoodSupport = Object.freeze({ min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY });
  /** Where the log-variance lives. */
  readonly variance: LearnedVariance;
  /** Initial log-variance of the learned variables. */
  readonly initialLogVar: number;
  private logVar: tf.Variable | undefined;
  private disposed = false;

  /**
   * @param options - See {@link LearnedGaussianLikelihoodOptions}.
   * @throws {@link ConfigError} for an unknown `variance` or a non-finite `initialLogVar`.
   */
  constructor(options: LearnedGaussianLikelihoodOptions = {}) {
    const where = 'learnedGaussianLikelihood';
    this.variance = checkChoice(where, 'variance', options.variance ?? 'scalar', ['scalar', 'channel', 'pixel']);
    this.initialLogVar = checkNumber(
      where,
      'initialLogVar',
      options.initialLogVar ?? 0,
      -30,
      30,
      '{ initialLogVar: 0 }',
    );
  }

  /** The learned log-variance variable (empty for `'pixel'`, or before the VAE is built). */
  get trainableVariables(): tf.Variable[] {
    return this.logVar === undefined ? [] : [this.logVar];
  }

  /**
   * Creates the log-variance variable: `[]` for `'scalar'`, `[channels]` for `'channel'`.
   *
   * @param dataShape - The data shape without the batch axis.
   */
  build(dataShape: readonly number[]): void {
    if (this.variance === 'pixel' || this.logVar !== undefined) return;
    const shape = this.variance === 'scalar' ? [] : [dataShape[dataShape.length - 1]];
    this.logVar = tf.tidy(() => tf.variable(tf.fill(shape, this.initialLogVar), true));
  }

  /**
   * @param dataShape - The data shape without the batch axis.
   * @returns The data shape, with the last axis doubled for `'pixel'`.
   */
  paramShape(dataShape: readonly number[]): number[] {
    const shape = [...dataShape];
    if (this.variance === 'pixel') shape[shape.length - 1] *= 2;
    return shape;
  }

  private split(params: tf.Tensor): [tf.Tensor, tf.Tensor] {
    if (this.variance === 'pixel') {
      const [mean, logVar] = tf.split(params, 2, params.rank - 1);
      return [mean, logVar];
    }
    if (this.logVar === undefined) {
      throw new ConfigError(
        `learnedGaussianLikelihood: the '${this.variance}' log-variance variable does not exist yet. ` +
          'Use the likelihood through a VAE (buildVAE calls build(dataShape)) or call likelihood.build(dataShape) first.',
        { field: 'likelihood', expected: 'a built likelihood', got: 'unbuilt' },
      );
    }
    return [params, this.logVar];
  }

  /**
   * @param x - Data, `[batch, ...dataShape]`.
   * @param params - Decoder output, `[batch, ...paramShape]`.
   * @returns `[batch]` log-densities in nats (new tensor).
   */
  logProb(x: tf.Tensor, params: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const [mean, logVar] = this.split(params);
      const perValue = tf.add(tf.mul(tf.squaredDifference(x, mean), tf.exp(tf.neg(logVar))), logVar);
      const full = tf.add(perValue, tf.zerosLike(x)); // broadcast a scalar/per-channel logVar to data shape
      return tf.mul(tf.add(sumPerExample(full), LOG_2PI * (x.size / x.shape[0])), -0.5) as tf.Tensor1D;
    });
  }

  /**
   * @param params - Decoder output.
   * @returns The means, `[batch, ...dataShape]` (new tensor).
   */
  mean(params: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.clone(this.split(params)[0]));
  }

  /** @returns `{ kind: 'learned-gaussian', variance, initialLogVar }`. */
  toConfig(): LikelihoodConfig {
    return { kind: 'learned-gaussian', variance: this.variance, initialLogVar: this.initialLogVar };
  }

  /** Disposes the log-variance variable; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.logVar?.dispose();
  }
}

/**
 * Makes a {@link LearnedGaussianLikelihood}.
 *
 * @param options - See {@link LearnedGaussianLikelihoodOptions}.
 * @returns A new likelihood; its variables are created when a VAE is built with it.
 * @throws {@link ConfigError} for an unknown `variance` or a non-finite `initialLogVar`.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, learnedGaussianLikelihood } from '@vae/core';
 * const vae = buildMlpVAE({ likelihood: learnedGaussianLikelihood({ variance: 'pixel' }) });
 * ```
 * @category Losses
 */
export function learnedGaussianLikelihood(options: LearnedGaussianLikelihoodOptions = {}): LearnedGaussianLikelihood {
  return new LearnedGaussianLikelihood(options);
}
