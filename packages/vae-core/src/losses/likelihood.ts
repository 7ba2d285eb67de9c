import type * as tf from '@tensorflow/tfjs-core';

/**
 * The JSON description of a likelihood, saved in `vae.json` and accepted by every builder.
 *
 * - `{ kind: 'bernoulli' }`: binary or [0, 1] data, decoder emits logits.
 * - `{ kind: 'gaussian', sigma }`: Gaussian with a fixed standard deviation, decoder emits means.
 * - `{ kind: 'learned-gaussian', variance, initialLogVar }`: Gaussian whose log-variance is
 *   learned: one scalar, one per channel, or one per pixel emitted by the decoder.
 *
 * @category Losses
 */
export type LikelihoodConfig =
  | {
      /** Bernoulli over logits. */
      kind: 'bernoulli';
    }
  | {
      /** Gaussian with a fixed standard deviation. */
      kind: 'gaussian';
      /** The standard deviation. */
      sigma: number;
    }
  | {
      /** Gaussian with a learned log-variance. */
      kind: 'learned-gaussian';
      /** Where the log-variance lives. */
      variance: LearnedVariance;
      /** Initial value of the learned log-variance variables. */
      initialLogVar: number;
    };

/**
 * Where a learned Gaussian variance lives: `'scalar'` (one variable), `'channel'` (one variable
 * per channel, the last data axis) or `'pixel'` (emitted by the decoder beside the mean, which
 * doubles the decoder's output channels).
 *
 * @category Losses
 */
export type LearnedVariance = 'scalar' | 'channel' | 'pixel';

/**
 * The interval data must lie in for a likelihood: its support, ends included. The VAE checks data
 * against it where a check is cheap (`lossTerms`, `evaluate`, `estimateNll`, the first batch of
 * `fit`), so data on the wrong scale fails with a message instead of a NaN or a silent bad fit.
 *
 * @category Losses
 */
export interface LikelihoodSupport {
  /** The smallest value data may take; `-Infinity` when unbounded. */
  readonly min: number;
  /** The largest value data may take; `Infinity` when unbounded. */
  readonly max: number;
}

/**
 * A likelihood `p(x | z)`: turns the decoder's output (its parameters) into a log-probability of
 * the data and a mean for pictures.
 *
 * Shapes: `x` is `[batch, ...dataShape]`; `params` is `[batch, ...paramShape(dataShape)]`,
 * which equals the data shape except where the likelihood needs more channels (per-pixel learned
 * variance emits mean and log-variance side by side on the last axis).
 *
 * @category Losses
 */
export interface Likelihood {
  /** The kind, as in {@link LikelihoodConfig}. */
  readonly kind: LikelihoodConfig['kind'];
  /**
   * Variables the likelihood learns itself (learned scalar or per-channel variance); empty
   * otherwise. Training optimizes them beside the encoder's and decoder's weights.
   */
  readonly trainableVariables: tf.Variable[];
  /**
   * The values data may take, e.g. `{ min: 0, max: 1 }` for Bernoulli. Data outside it is
   * refused with a {@link ConfigError} by `lossTerms`, `evaluate`, `estimateNll` and `fit`.
   *
   * @defaultValue every finite value
   */
  readonly support?: LikelihoodSupport;
  /**
   * Creates any variables for data of this shape. Called once by the VAE when it is built.
   *
   * @param dataShape - The data shape without the batch axis.
   */
  build(dataShape: readonly number[]): void;
  /**
   * The shape the decoder must emit for data of `dataShape` (both without the batch axis).
   *
   * @param dataShape - The data shape without the batch axis.
   * @returns The parameter shape without the batch axis.
   */
  paramShape(dataShape: readonly number[]): number[];
  /**
   * Log-probability of each example: summed over every data dimension, in nats.
   *
   * @param x - Data, `[batch, ...dataShape]`.
   * @param params - Decoder output, `[batch, ...paramShape]`.
   * @returns `[batch]`, new tensor owned by the caller.
   */
  logProb(x: tf.Tensor, params: tf.Tensor): tf.Tensor1D;
  /**
   * The mean of the distribution, in data space (probabilities for Bernoulli).
   *
   * @param params - Decoder output, `[batch, ...paramShape]`.
   * @returns `[batch, ...dataShape]`, new tensor owned by the caller.
   */
  mean(params: tf.Tensor): tf.Tensor;
  /** The JSON description, without learned values (those are saved with the weights). */
  toConfig(): LikelihoodConfig;
  /** Disposes the likelihood's own variables; idempotent. */
  dispose(): void;
}
