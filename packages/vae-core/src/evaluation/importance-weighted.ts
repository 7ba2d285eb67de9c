import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import { diagonalGaussianLogProb, standardNormalLogProb } from '../losses/index.js';
import { resolveLabels } from '../models/labels.js';
import type { VAE } from '../models/vae.js';
import type { TrainingData } from '../training/data.js';
import { mixSeed } from '../training/random.js';
import { ranges, resolveMaxDecodeValues, rowsPerDecode } from './decode-budget.js';
import { dataDimensions, resolveEvaluationData, sumOverBatches } from './evaluate.js';
import { evaluationFailure, tidyFirstError } from './first-error.js';

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
   * Most decoder rows evaluated at once (`samples per call * examples per call`); bounds memory
   * for large `k`.
   * @defaultValue `4096`
   */
  maxRowsPerChunk?: number;
  /**
   * Most values one decoder call may produce (rows times the values of one example): the `k`
   * samples, and the batch too when one sample of it is larger, are split into calls under this
   * bound. The default keeps an upsampling decoder at 128x128x3 within the wasm heap; lower it
   * if a backend still runs out of memory. The estimate does not depend on it (the noise of each
   * sample is drawn alone, and log-sum-exp is combined exactly across calls).
   * @defaultValue `2097152` (2^21: 42 images of 128x128x3, 2,674 of 28x28)
   */
  maxDecodeValues?: number;
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
 * Samples are decoded in calls of at most `maxRowsPerChunk` rows and `maxDecodeValues` values
 * (the batch is split too when one sample of it is larger) and combined with a running log-sum-exp
 * on the device, so memory stays bounded whatever `k` and the image size are (k = 5000 works;
 * k = 20 at 128x128x3 fits the wasm heap); results are read back once at the end. With `k = 1` the estimate equals the negative ELBO in expectation.
 *
 * @param vae - The model.
 * @param data - Tensors, a batch source, a tf.data dataset or an iterable of batches.
 * @param options - `importanceSamples`, batch size, chunk bounds, seed and labels.
 * @returns The mean estimate in nats per example and in bits per dimension.
 * @throws {@link BackendError} when the backend fails while decoding (the wasm heap out of
 *   memory): the message names the sizes and the option to lower.
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
  const maxValues = resolveMaxDecodeValues('estimateNll', options.maxDecodeValues);
  const budget = Math.min(maxRows, rowsPerDecode(vae, maxValues));
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 32;
  const source = resolveEvaluationData('estimateNll', data, batchSize, options.labels);
  let largestCall = 0;
  let largestBatch = 0;
  let outcome: { sums: number[]; examples: number };
  try {
    outcome = await sumOverBatches(vae, 'estimateNll', source, 1, (batch, index) => {
      const x = batch.x;
      // one-hot once: sumOverBatches has checked the ids, and encode/decodeParams need no read-back
      const labels = resolveLabels(
        'estimateNll',
        vae.numClasses > 0 ? batch.labels : undefined,
        x.shape[0] as number,
        vae.numClasses,
      );
      const b = x.shape[0] as number;
      // Examples per decoder call (the whole batch unless one sample of it is over budget), and
      // the samples of each call.
      const width = Math.min(b, budget);
      const depth = Math.max(1, Math.min(k, Math.floor(budget / width)));
      largestCall = Math.max(largestCall, width * depth);
      largestBatch = Math.max(largestBatch, b);
      const { mean, logVar } = vae.encode(x, labels ? { labels } : {});
      const latentDim = mean.shape[1] as number;
      const batchSeed = mixSeed(seed, index);
      let acc: tf.Tensor1D | null = null;
      for (const [start, m] of ranges(k, depth)) {
        const previous: tf.Tensor1D | null = acc;
        const next: tf.Tensor1D = tidyFirstError(() => {
          // Sample i's noise depends on i alone, so how the samples are split changes nothing.
          const eps = tf.stack(
            Array.from({ length: m }, (_, i) =>
              tf.randomNormal([b, latentDim], 0, 1, 'float32', mixSeed(batchSeed, start + i)),
            ),
          ) as tf.Tensor3D;
          const parts = ranges(b, width).map(([from, size]) =>
            tidyFirstError(() =>
              width === b
                ? logSumExpOfWeights(vae, x, labels, mean, logVar, eps)
                : logSumExpOfWeights(
                    vae,
                    tf.slice(x, from, size),
                    labels ? tf.slice(labels, from, size) : undefined,
                    tf.slice(mean, from, size),
                    tf.slice(logVar, from, size),
                    tf.slice(eps, [0, from, 0], [m, size, latentDim]),
                  ),
            ),
          );
          const chunk = parts.length === 1 ? (parts[0] as tf.Tensor1D) : (tf.concat(parts) as tf.Tensor1D);
          // log-sum-exp is associative: combining per call gives the log-sum-exp over all k
          return previous ? (tf.logSumExp(tf.stack([previous, chunk]), 0) as tf.Tensor1D) : chunk;
        });
        previous?.dispose();
        acc = next;
      }
      // -log p(x) ≈ log k - logsumexp(log w)
      return tf.reshape(tf.sub(Math.log(k), acc as tf.Tensor1D), [b, 1]) as tf.Tensor2D;
    });
  } catch (error) {
    throw evaluationFailure(error, {
      where: 'estimateNll',
      what: `the importance-weighted NLL (k = ${k})`,
      rowsPerCall: largestCall,
      exampleShape: vae.inputShape,
      batchSize: largestBatch || batchSize,
      fix: `pass a smaller importanceSamples or batchSize, or a smaller maxDecodeValues (now ${maxValues})`,
    });
  }
  const { sums, examples } = outcome;
  const nll = (sums[0] as number) / examples;
  return { nll, bitsPerDim: nll / (dataDimensions(vae) * Math.LN2), importanceSamples: k, examples };
}

/**
 * Internal: `logsumexp_i log w_i` per example for the samples `z_i = mean + exp(logVar / 2) * eps_i`,
 * `eps` `[m, batch, latentDim]`, decoded in one call of `m * batch` rows. Returns `[batch]`.
 */
function logSumExpOfWeights(
  vae: VAE,
  x: tf.Tensor,
  labels: tf.Tensor | undefined,
  mean: tf.Tensor2D,
  logVar: tf.Tensor2D,
  eps: tf.Tensor3D,
): tf.Tensor1D {
  const [m, b, latentDim] = eps.shape;
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor3D;
  const zFlat = tf.reshape(z, [m * b, latentDim]);
  const xRep = tf.tile(x, [m, ...new Array(x.rank - 1).fill(1)]);
  const labelsRep = labels ? tf.tile(labels, [m, ...new Array(labels.rank - 1).fill(1)]) : undefined;
  const params = vae.decodeParams(zFlat, labelsRep ? { labels: labelsRep } : {});
  const logPx = tf.reshape(vae.likelihood.logProb(xRep, params), [m, b]);
  const logW = tf.sub(tf.add(logPx, standardNormalLogProb(z)), diagonalGaussianLogProb(z, mean, logVar));
  return tf.logSumExp(logW, 0) as tf.Tensor1D;
}
