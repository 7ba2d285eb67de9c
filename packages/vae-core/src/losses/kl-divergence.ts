import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * KL divergence of a diagonal Gaussian from the standard normal, per latent dimension:
 * `0.5 * (exp(logVar) + mean^2 - 1 - logVar)`, in nats.
 *
 * @param mean - `[batch, latentDim]`.
 * @param logVar - `[batch, latentDim]`.
 * @returns `[batch, latentDim]` (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { klStandardNormalPerDimension } from '@vae/core';
 * klStandardNormalPerDimension(tf.zeros([1, 2]), tf.zeros([1, 2])).print(); // [[0, 0]]
 * ```
 * @category Losses
 */
export function klStandardNormalPerDimension(mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(logVar, 1)), 0.5) as tf.Tensor2D);
}

/**
 * Analytic KL divergence `KL(N(mean, exp(logVar)) || N(0, I))` per example, summed over the
 * latent dimensions, in nats.
 *
 * @param mean - `[batch, latentDim]`.
 * @param logVar - `[batch, latentDim]`.
 * @returns `[batch]` (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { klStandardNormal } from '@vae/core';
 * klStandardNormal(tf.tensor2d([[1, 0]]), tf.zeros([1, 2])).print(); // [0.5]
 * ```
 * @category Losses
 */
export function klStandardNormal(mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sum(klStandardNormalPerDimension(mean, logVar), -1) as tf.Tensor1D);
}

/**
 * Analytic KL divergence between two diagonal Gaussians `KL(q || p)` per example, summed over
 * the latent dimensions, in nats: `0.5 * sum(logVarP - logVarQ + (exp(logVarQ) + (meanQ -
 * meanP)^2) / exp(logVarP) - 1)`. Every argument broadcasts against `[batch, latentDim]`.
 *
 * @param meanQ - Mean of q, `[batch, latentDim]`.
 * @param logVarQ - Log-variance of q, `[batch, latentDim]`.
 * @param meanP - Mean of p, `[batch, latentDim]` or broadcastable (e.g. `[latentDim]`).
 * @param logVarP - Log-variance of p, like `meanP`.
 * @returns `[batch]` (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { klDiagonalGaussian } from '@vae/core';
 * const kl = klDiagonalGaussian(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.ones([1, 1]), tf.zeros([1, 1])); // [0.5]
 * ```
 * @category Losses
 */
export function klDiagonalGaussian(
  meanQ: tf.Tensor,
  logVarQ: tf.Tensor,
  meanP: tf.Tensor,
  logVarP: tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(() => {
    const ratio = tf.div(tf.add(tf.exp(logVarQ), tf.squaredDifference(meanQ, meanP)), tf.exp(logVarP));
    const perDim = tf.mul(tf.sub(tf.add(tf.sub(logVarP, logVarQ), ratio), 1), 0.5);
    const full = tf.add(perDim, tf.zerosLike(meanQ));
    return tf.sum(full, -1) as tf.Tensor1D;
  });
}

/**
 * Log-density of `z` under a diagonal Gaussian, summed over the latent dimensions, in nats.
 *
 * @param z - `[batch, latentDim]` (or `[samples, batch, latentDim]`; the sum is over the last axis).
 * @param mean - Broadcastable against `z`.
 * @param logVar - Broadcastable against `z`.
 * @returns `z`'s shape without the last axis (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { diagonalGaussianLogProb } from '@vae/core';
 * diagonalGaussianLogProb(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1])).print(); // [-0.9189]
 * ```
 * @category Losses
 */
export function diagonalGaussianLogProb(z: tf.Tensor, mean: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const perDim = tf.add(tf.add(tf.mul(tf.squaredDifference(z, mean), tf.exp(tf.neg(logVar))), logVar), LOG_2PI);
    return tf.mul(tf.sum(tf.add(perDim, tf.zerosLike(z)), -1), -0.5);
  });
}

/**
 * Log-density of `z` under the standard normal prior, summed over the last axis, in nats.
 *
 * @param z - `[batch, latentDim]` (or more leading axes).
 * @returns `z`'s shape without the last axis (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { standardNormalLogProb } from '@vae/core';
 * standardNormalLogProb(tf.zeros([1, 2])).print(); // [-1.8379]
 * ```
 * @category Losses
 */
export function standardNormalLogProb(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sum(tf.add(tf.square(z), LOG_2PI), -1), -0.5));
}

/**
 * Options of {@link klMonteCarlo}.
 *
 * @category Losses
 */
export interface KlMonteCarloOptions {
  /** Mean of the prior; broadcastable against `z`. @defaultValue 0 (standard normal) */
  priorMean?: tf.Tensor;
  /** Log-variance of the prior; broadcastable against `z`. @defaultValue 0 (standard normal) */
  priorLogVar?: tf.Tensor;
}

/**
 * Single-sample Monte-Carlo estimate of `KL(q || p)`: `log q(z) - log p(z)` at `z ~ q`, per
 * example, in nats. Unbiased; use it when no closed form exists (a non-Gaussian prior) or to
 * check the analytic value.
 *
 * @param z - Samples from q, `[batch, latentDim]` (e.g. from {@link reparameterize}).
 * @param mean - Mean of q, `[batch, latentDim]`.
 * @param logVar - Log-variance of q, `[batch, latentDim]`.
 * @param options - The prior; standard normal by default.
 * @returns `[batch]` (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { klMonteCarlo, reparameterize } from '@vae/core';
 * const mean = tf.zeros([4, 2]);
 * const logVar = tf.zeros([4, 2]);
 * const kl = klMonteCarlo(reparameterize(mean, logVar, { seed: 1 }), mean, logVar); // about 0 on average
 * ```
 * @category Losses
 */
export function klMonteCarlo(
  z: tf.Tensor,
  mean: tf.Tensor,
  logVar: tf.Tensor,
  options: KlMonteCarloOptions = {},
): tf.Tensor1D {
  return tf.tidy(() => {
    const logQ = diagonalGaussianLogProb(z, mean, logVar);
    const logP =
      options.priorMean === undefined && options.priorLogVar === undefined
        ? standardNormalLogProb(z)
        : diagonalGaussianLogProb(z, options.priorMean ?? tf.scalar(0), options.priorLogVar ?? tf.scalar(0));
    return tf.sub(logQ, logP) as tf.Tensor1D;
  });
}

/**
 * The KL term with "free bits": each latent dimension's KL, averaged over the batch, is floored
 * at `freeBits` nats before summing, so the optimizer gains nothing by pushing a dimension's KL
 * below the floor (against posterior collapse). With `freeBits = 0` this is the batch mean of
 * {@link klStandardNormal}.
 *
 * `sum_j max(freeBits, mean_batch KL_j)`
 *
 * @param mean - `[batch, latentDim]`.
 * @param logVar - `[batch, latentDim]`.
 * @param freeBits - The floor per dimension, in nats (>= 0).
 * @returns A scalar (new tensor): nats per example.
 * @see Kingma et al. 2016, "Improved Variational Inference with Inverse Autoregressive Flow".
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { klFreeBits } from '@vae/core';
 * klFreeBits(tf.zeros([8, 4]), tf.zeros([8, 4]), 0.5).print(); // 2 (4 dims x 0.5)
 * ```
 * @category Losses
 */
export function klFreeBits(mean: tf.Tensor, logVar: tf.Tensor, freeBits: number): tf.Scalar {
  return tf.tidy(() => {
    const perDim = tf.mean(klStandardNormalPerDimension(mean, logVar), 0);
    return tf.sum(freeBits > 0 ? tf.maximum(perDim, freeBits) : perDim) as tf.Scalar;
  });
}
