import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors/index.js';
import {
  assertDataSummary,
  assertLabelSummary,
  dataSummary,
  labelSummary,
  mergeSummaries,
  type ValueSummary,
} from '../models/data-support.js';
import type { VAE } from '../models/vae.js';
import type { Batch, EpochSource, TrainingData } from '../training/data.js';
import { resolveData } from '../training/data.js';
import { ranges, resolveMaxDecodeValues, rowsPerDecode } from './decode-budget.js';
import { evaluationFailure, tidyFirstError, withCleanup } from './first-error.js';

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
  labels?: tf.Tensor | undefined;
  /**
   * Most values one decoder call may produce (examples times the values of one example): a batch
   * over this bound is decoded in parts, with the same noise as in one call, so the result does
   * not depend on it. Lower it if a backend runs out of memory on large images.
   * @defaultValue `2097152` (2^21: 42 images of 128x128x3)
   */
  maxDecodeValues?: number;
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

/**
 * Internal: the support checks of evaluation. The first batch is checked at once (one small
 * read-back), so data on the wrong scale fails before a long run; the summaries of every batch
 * are merged on the device and checked at the end with the results, at no extra read-back.
 */
class BatchChecks {
  private data: ValueSummary | null = null;
  private labels: ValueSummary | null = null;

  constructor(
    private readonly vae: VAE,
    private readonly where: string,
  ) {}

  async add(batch: Batch, index: number): Promise<void> {
    const data = dataSummary(batch.x);
    const labels = this.vae.numClasses > 0 ? labelSummary(batch.labels) : undefined;
    if (index === 0) {
      try {
        this.assert(await data.data(), labels ? await labels.data() : undefined);
      } catch (error) {
        tf.dispose([data, ...(labels ? [labels] : [])]);
        throw error;
      }
    }
    this.data = this.merge(this.data, data);
    if (labels) this.labels = this.merge(this.labels, labels);
  }

  /** The merged summaries as one tensor `[6]` (labels `[Infinity, -Infinity, 0]` when none), to read with the results. */
  take(): tf.Tensor1D | null {
    if (!this.data) return null;
    const out = tf.tidy(
      () => tf.concat([this.data as ValueSummary, this.labels ?? tf.tensor1d([Infinity, -Infinity, 0])]) as tf.Tensor1D,
    );
    this.dispose();
    return out;
  }

  assert(data: ArrayLike<number>, labels: ArrayLike<number> | undefined): void {
    assertDataSummary(this.vae, data, this.where);
    if (labels && this.vae.numClasses > 0) assertLabelSummary(this.vae.numClasses, labels, this.where);
  }

  dispose(): void {
    tf.dispose([...(this.data ? [this.data] : []), ...(this.labels ? [this.labels] : [])]);
    this.data = null;
    this.labels = null;
  }

  private merge(acc: ValueSummary | null, next: ValueSummary): ValueSummary {
    if (!acc) return next;
    const merged = mergeSummaries(acc, next);
    tf.dispose([acc, next]);
    return merged;
  }
}

/**
 * Internal: runs `perBatch` over every batch of `source`, summing its `[batch, k]` rows on the
 * device, and checks every batch's data (and class ids) against the model's likelihood.
 */
export async function sumOverBatches(
  vae: VAE,
  where: string,
  source: EpochSource,
  columns: number,
  perBatch: (batch: Batch, index: number) => tf.Tensor2D,
): Promise<{ sums: number[]; examples: number }> {
  let sums: tf.Tensor1D | null = null;
  let summary: tf.Tensor1D | null = null;
  let examples = 0;
  let index = 0;
  const checks = new BatchChecks(vae, where);
  // Clean-up that fails after an error (an aborted wasm heap fails every call) must not hide it.
  const cleanUp = () => {
    try {
      sums?.dispose();
      checks.dispose();
    } catch {
      // the first error says what went wrong
    }
  };
  try {
    for await (const batch of source.epoch({ shuffle: false, seed: 0 })) {
      const at = index;
      const previous: tf.Tensor1D | null = sums;
      const next: tf.Tensor1D = await withCleanup(
        async (): Promise<tf.Tensor1D> => {
          await checks.add(batch, at);
          return tidyFirstError((): tf.Tensor1D => {
            const rows = perBatch(batch, at);
            const total = tf.sum(rows, 0) as tf.Tensor1D;
            return previous ? tf.add(previous, total) : total;
          });
        },
        () => {
          if (source.ownsBatches) tf.dispose([batch.x, ...(batch.labels ? [batch.labels] : [])]);
        },
      );
      previous?.dispose();
      sums = next;
      examples += batch.x.shape[0] as number;
      index += 1;
    }
    summary = checks.take();
  } catch (error) {
    cleanUp();
    throw error;
  }
  checks.dispose();
  if (!sums || !summary) {
    tf.dispose([...(sums ? [sums] : []), ...(summary ? [summary] : [])]);
    throw new ConfigError(`${where}: the data yielded no examples.`, {
      field: 'data',
      expected: 'at least one example',
      got: 0,
    });
  }
  const both = tf.concat([sums as tf.Tensor1D, summary]);
  tf.dispose([sums as tf.Tensor1D, summary]);
  const all = Array.from(await both.data());
  both.dispose();
  const values = all.slice(0, all.length - 6);
  checks.assert(all.slice(all.length - 6, all.length - 3), all.slice(all.length - 3));
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
 * @param options - Batch size, seed, labels and the decoder-call bound.
 * @returns The mean terms over all examples.
 * @throws {@link BackendError} when the backend fails while decoding (the wasm heap out of
 *   memory): the message names the sizes and the option to lower.
 * @throws {@link ConfigError} for empty data or a bad batch size, data outside the likelihood's
 *   support (Bernoulli: [0, 1]) or holding NaN, or class ids outside `[0, numClasses)`.
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
  const batchSize = options.batchSize ?? 128;
  const source = resolveEvaluationData('evaluate', data, batchSize, options.labels);
  const maxValues = resolveMaxDecodeValues('evaluate', options.maxDecodeValues);
  const budget = rowsPerDecode(vae, maxValues);
  const seed = options.seed ?? 0;
  let largestCall = 0;
  let largestBatch = 0;
  let outcome: { sums: number[]; examples: number };
  try {
    outcome = await sumOverBatches(vae, 'evaluate', source, 2, (batch, index) => {
      const b = batch.x.shape[0] as number;
      largestCall = Math.max(largestCall, Math.min(b, budget));
      largestBatch = Math.max(largestBatch, b);
      const labels = vae.numClasses > 0 && batch.labels ? batch.labels : undefined;
      const terms = (x: tf.Tensor, labels: tf.Tensor | undefined, noise: { seed: number } | { eps: tf.Tensor }) => {
        const t = vae.lossTermsPerExample(x, {
          ...(labels ? { labels } : {}),
          ...noise,
          training: false,
          checkData: false, // sumOverBatches checks every batch, with no read-back of its own
        });
        return tf.stack([t.reconstruction, t.kl], 1) as tf.Tensor2D;
      };
      if (b <= budget) return terms(batch.x, labels, { seed: seed + index });
      // The noise the whole batch would draw (reparameterize's), shared out among the parts.
      const eps = tf.randomNormal([b, vae.latentDim], 0, 1, 'float32', seed + index);
      const parts = ranges(b, budget).map(([from, size]) =>
        tidyFirstError(() =>
          terms(tf.slice(batch.x, from, size), labels ? tf.slice(labels, from, size) : undefined, {
            eps: tf.slice(eps, from, size),
          }),
        ),
      );
      return tf.concat(parts) as tf.Tensor2D;
    });
  } catch (error) {
    throw evaluationFailure(error, {
      where: 'evaluate',
      what: 'the negative ELBO',
      rowsPerCall: largestCall,
      exampleShape: vae.inputShape,
      batchSize: largestBatch || batchSize,
      fix: `pass a smaller batchSize, or a smaller maxDecodeValues (now ${maxValues})`,
    });
  }
  const { sums, examples } = outcome;
  const reconstruction = (sums[0] as number) / examples;
  const kl = (sums[1] as number) / examples;
  const loss = reconstruction + kl;
  return { loss, reconstruction, kl, bitsPerDim: loss / (dataDimensions(vae) * Math.LN2), examples };
}
