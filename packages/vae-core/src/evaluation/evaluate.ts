import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import type { Batch, EpochSource, TrainingData } from '../training/data.js';
import { resolveData } from '../training/data.js';

/**
 * Options of {@link evaluateVAE} (`vae.evaluate`).
 *
 * @category Evaluation
 */
export interface EvaluateOptions {
  /**
   * Examples per batch for tensor data.
   * @defaultValue `128`
   */
  batchSize?: number;
  /**
   * Seed of the one latent sample drawn per example.
   * @defaultValue `0`
   */
  seed?: number;
  /** Labels for conditional models when `data` is a tensor. */
  labels?: tf.Tensor;
}

/**
 * The ELBO of a dataset, in nats per example (and bits per dimension).
 *
 * @category Evaluation
 */
export interface EvaluationResult {
  /** Mean negative ELBO, `reconstruction + kl` (beta and free bits do not apply). */
  loss: number;
  /** Mean `-log p(x | z)` for one sample `z ~ q(z | x)`. */
  reconstruction: number;
  /** Mean `KL(q(z | x) || p(z))`. */
  kl: number;
  /** `loss / (dimensions * ln 2)`: the negative ELBO in bits per data dimension. */
  bitsPerDim: number;
  /** Examples evaluated. */
  examples: number;
}

/** Internal: runs `perBatch` over every batch of `source`, summing its `[batch, k]` rows on the device. */
export async function sumOverBatches(
  source: EpochSource,
  columns: number,
  perBatch: (batch: Batch, index: number) => tf.Tensor2D,
): Promise<{ sums: number[]; examples: number }> {
  let sums: tf.Tensor1D | null = null;
  let examples = 0;
  let index = 0;
  for await (const batch of source.epoch({ shuffle: false, seed: 0 })) {
    try {
      const next: tf.Tensor1D = tf.tidy(() => {
        const rows = perBatch(batch, index);
        const total = tf.sum(rows, 0) as tf.Tensor1D;
        return sums ? tf.add(sums, total) : total;
      });
      sums?.dispose();
      sums = next;
      examples += batch.x.shape[0] as number;
      index += 1;
    } finally {
      if (source.ownsBatches) tf.dispose([batch.x, ...(batch.labels ? [batch.labels] : [])]);
    }
  }
  if (!sums) {
    throw new ConfigError('evaluate: the data yielded no examples.', {
      field: 'data',
      expected: 'at least one example',
      got: 0,
    });
  }
  const values = Array.from(await (sums as tf.Tensor1D).data());
  (sums as tf.Tensor1D).dispose();
  if (values.length !== columns)
    throw new ConfigError('evaluate: internal column mismatch.', {
      field: 'columns',
      expected: String(columns),
      got: values.length,
    });
  return { sums: values, examples };
}

/** Internal: the data dimensions of one example. */
export function dataDimensions(vae: VAE): number {
  return vae.inputShape.reduce((a, b) => a * b, 1);
}

/** Internal: common validation of evaluation data and batch size. */
export function resolveEvaluationData(
  where: string,
  data: TrainingData,
  batchSize: number,
  labels: tf.Tensor | undefined,
): EpochSource {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(`${where}: batchSize must be a positive integer, got ${batchSize}.`, {
      field: 'batchSize',
      expected: 'a positive integer',
      got: batchSize,
    });
  }
  const withLabels = labels !== undefined && data instanceof tf.Tensor ? { x: data, labels } : data;
  return resolveData(withLabels, { batchSize, where }).train;
}

/**
 * Evaluates the evidence lower bound (ELBO) on a dataset: the mean negative ELBO with its
 * reconstruction and KL terms in nats per example, and bits per dimension. One latent sample per
 * example; values are read back once, at the end.
 *
 * @param vae - The model.
 * @param data - Tensors, a batch source, a tf.data dataset or an iterable of batches (see `fit`).
 * @param options - Batch size, seed and labels.
 * @returns The mean terms over all examples.
 * @throws {@link ConfigError} for empty data or a bad batch size.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, evaluateVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const result = await evaluateVAE(vae, tf.randomUniform([32, 16]));
 * console.log(result.loss, result.bitsPerDim);
 * ```
 * @category Evaluation
 */
export async function evaluateVAE(
  vae: VAE,
  data: TrainingData,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const source = resolveEvaluationData('evaluate', data, options.batchSize ?? 128, options.labels);
  const seed = options.seed ?? 0;
  const { sums, examples } = await sumOverBatches(source, 2, (batch, index) => {
    const terms = vae.lossTermsPerExample(batch.x, {
      ...(vae.numClasses > 0 && batch.labels ? { labels: batch.labels } : {}),
      seed: seed + index,
      training: false,
    });
    return tf.stack([terms.reconstruction, terms.kl], 1) as tf.Tensor2D;
  });
  const reconstruction = (sums[0] as number) / examples;
  const kl = (sums[1] as number) / examples;
  const loss = reconstruction + kl;
  return { loss, reconstruction, kl, bitsPerDim: loss / (dataDimensions(vae) * Math.LN2), examples };
}
