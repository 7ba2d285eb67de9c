import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import { diagonalGaussianLogProb, standardNormalLogProb } from '../losses/index.js';
import { resolveLabels } from '../models/labels.js';
import type { VAE } from '../models/vae.js';
import type { TrainingData } from '../training/data.js';
import { mixSeed } from '../training/random.js';
import { dataDimensions, resolveEvaluationData, sumOverBatches } from './evaluate.js';

/**
 * Options of {@link estimateNll} (`vae.estimateNll`).
 *
 * @category Evaluation
 */
export interface EstimateNllOptions {
  /**
   * Importance samples `k` per example. The estimate tightens as `k` grows (Burda et al. use 5000).
   * @defaultValue `1000`
   */
  importanceSamples?: number;
  /**
   * Examples per batch for tensor data.
   * @defaultValue `32`
   */
  batchSize?: number;
  /**
   * Most decoder rows evaluated at once (`samples per chunk * batch`); bounds memory for large `k`.
   * @defaultValue `4096`
   */
  maxRowsPerChunk?: number;
  /**
   * Seed of the importance samples.
   * @defaultValue `0`
   */
  seed?: number;
  /** Labels for conditional models when `data` is a tensor. */
  labels?: tf.Tensor | undefined;
}

/**
 * The importance-weighted estimate of the negative log-likelihood.
 *
 * @category Evaluation
 */
export interface NllEstimate {
  /** Mean estimate of `-log p(x)` in nats per example; an upper bound that tightens as `k` grows. */
  nll: number;
  /** `nll / (dimensions * ln 2)`. */
  bitsPerDim: number;
  /** The `k` used. */
  importanceSamples: number;
  /** Examples evaluated. */
  examples: number;
}

/**
 * Estimates `-log p(x)` with `k` importance samples from the encoder (Burda et al. 2015):
 * `log p(x) ≈ logsumexp_i [log p(x | z_i) + log p(z_i) - log q(z_i | x)] - log k`, `z_i ~ q(z | x)`.
 *
 * Samples are processed in chunks and combined with a running log-sum-exp on the device, so
 * memory stays bounded by `maxRowsPerChunk` whatever `k` is (k = 5000 works); results are read back
 * once at the end. With `k = 1` the estimate equals the negative ELBO in expectation.
 *
 * @param vae - The model.
 * @param data - Tensors, a batch source, a tf.data dataset or an iterable of batches.
 * @param options - `importanceSamples`, batch size, chunk bound, seed and labels.
 * @returns The mean estimate in nats per example and in bits per dimension.
 * @throws {@link ConfigError} for a bad `importanceSamples`, batch size or chunk bound, data
 *   outside the likelihood's support (Bernoulli: [0, 1]) or holding NaN, or class ids outside
 *   `[0, numClasses)`.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, estimateNll } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const { nll } = await estimateNll(vae, tf.randomUniform([8, 16]), { importanceSamples: 50 });
 * console.log(nll);
 * ```
 * @see {@link https://arxiv.org/abs/1509.00519 | Burda, Grosse & Salakhutdinov 2015, Importance Weighted Autoencoders}
 * @category Evaluation
 */
export async function estimateNll(
  vae: VAE,
  data: TrainingData,
  options: EstimateNllOptions = {},
): Promise<NllEstimate> {
  const k = options.importanceSamples ?? 1000;
  if (!Number.isInteger(k) || k < 1) {
    throw new ConfigError(
      `estimateNll: importanceSamples must be a positive integer, got ${k}. Pass e.g. { importanceSamples: 1000 }.`,
      {
        field: 'importanceSamples',
        expected: 'a positive integer',
        got: k,
      },
    );
  }
  const maxRows = options.maxRowsPerChunk ?? 4096;
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    throw new ConfigError(`estimateNll: maxRowsPerChunk must be a positive integer, got ${maxRows}.`, {
      field: 'maxRowsPerChunk',
      expected: 'a positive integer',
      got: maxRows,
    });
  }
  const seed = options.seed ?? 0;
  const source = resolveEvaluationData('estimateNll', data, options.batchSize ?? 32, options.labels);
  const { sums, examples } = await sumOverBatches(vae, 'estimateNll', source, 1, (batch, index) => {
    const x = batch.x;
    // one-hot once: sumOverBatches has checked the ids, and encode/decodeParams need no read-back
    const labels = resolveLabels(
      'estimateNll',
      vae.numClasses > 0 ? batch.labels : undefined,
      x.shape[0] as number,
      vae.numClasses,
    );
    const b = x.shape[0] as number;
    const perChunk = Math.max(1, Math.min(k, Math.floor(maxRows / b)));
    const { mean, logVar } = vae.encode(x, labels ? { labels } : {});
    const std = tf.exp(tf.mul(logVar, 0.5));
    const latentDim = mean.shape[1] as number;
    let acc: tf.Tensor1D | null = null;
    for (let start = 0; start < k; start += perChunk) {
      const m = Math.min(perChunk, k - start);
      const next: tf.Tensor1D = tf.tidy(() => {
        const eps = tf.randomNormal([m, b, latentDim], 0, 1, 'float32', mixSeed(mixSeed(seed, index), start));
        const z = tf.add(mean, tf.mul(std, eps)) as tf.Tensor3D;
        const zFlat = tf.reshape(z, [m * b, latentDim]);
        const xRep = tf.tile(x, [m, ...new Array(x.rank - 1).fill(1)]);
        const labelsRep = labels ? tf.tile(labels, [m, ...new Array(labels.rank - 1).fill(1)]) : undefined;
        const params = vae.decodeParams(zFlat, labelsRep ? { labels: labelsRep } : {});
        const logPx = tf.reshape(vae.likelihood.logProb(xRep, params), [m, b]);
        const logW = tf.sub(tf.add(logPx, standardNormalLogProb(z)), diagonalGaussianLogProb(z, mean, logVar));
        const chunk = tf.logSumExp(logW, 0) as tf.Tensor1D;
        return acc ? (tf.logSumExp(tf.stack([acc, chunk]), 0) as tf.Tensor1D) : chunk;
      });
      acc?.dispose();
      acc = next;
    }
    // -log p(x) ≈ log k - logsumexp(log w)
    return tf.reshape(tf.sub(Math.log(k), acc as tf.Tensor1D), [b, 1]) as tf.Tensor2D;
  });
  const nll = (sums[0] as number) / examples;
  return { nll, bitsPerDim: nll / (dataDimensions(vae) * Math.LN2), importanceSamples: k, examples };
}
