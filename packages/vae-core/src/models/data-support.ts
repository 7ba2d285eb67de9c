import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors/index.js';
import { showShape } from '../internal/index.js';
import type { Likelihood, LikelihoodSupport } from '../losses/index.js';
import type { TrainableVAE } from '../training/types.js';
import type { Labels } from './labels.js';

// Why these checks exist: data on the wrong scale for its likelihood (0-255 pixels under a
// Bernoulli) gives a NaN or a model that fits nonsense, and class ids out of range become
// all-zero one-hot rows; neither fails on its own. Every check here is one small read-back, so
// it runs once per call of lossTerms / evaluate / estimateNll, or on fit's first batch, never
// inside a training step.

/**
 * A summary of a tensor's values, `[min, max, count]` as a new float32 tensor `[3]`: min and max
 * over its finite values (`Infinity` and `-Infinity` when there are none), and a count of the
 * values the check refuses (non-finite data, or class ids that are not integers).
 * Summaries of several batches combine with {@link mergeSummaries}.
 */
export type ValueSummary = tf.Tensor1D;

/** `[min, max, non-finite count]` of `x` (see {@link ValueSummary}); a new tensor. */
export function dataSummary(x: tf.Tensor): ValueSummary {
  return tf.tidy(() => {
    const v = tf.reshape(tf.cast(x, 'float32'), [-1]);
    const finite = tf.isFinite(v);
    return tf.stack([
      tf.min(tf.where(finite, v, Number.POSITIVE_INFINITY)),
      tf.max(tf.where(finite, v, Number.NEGATIVE_INFINITY)),
      tf.sum(tf.cast(tf.logicalNot(finite), 'float32')),
    ]) as tf.Tensor1D;
  });
}

/**
 * `[min, max, non-integer count]` of class ids `[batch]` (see {@link ValueSummary}), or
 * `undefined` for labels that carry no ids to check (none, one-hot, numbers and arrays, which
 * {@link resolveLabels} checks itself); a new tensor.
 */
export function labelSummary(labels: Labels | undefined): ValueSummary | undefined {
  if (!(labels instanceof tf.Tensor) || labels.rank !== 1) return undefined;
  return tf.tidy(() => {
    const v = tf.cast(labels, 'float32');
    const finite = tf.isFinite(v);
    const whole = tf.logicalAnd(finite, tf.equal(v, tf.round(v)));
    return tf.stack([
      tf.min(tf.where(finite, v, Number.POSITIVE_INFINITY)),
      tf.max(tf.where(finite, v, Number.NEGATIVE_INFINITY)),
      tf.sum(tf.cast(tf.logicalNot(whole), 'float32')),
    ]) as tf.Tensor1D;
  });
}

/** Combines two summaries: the smaller min, the larger max, the summed count; a new tensor. */
export function mergeSummaries(a: ValueSummary, b: ValueSummary): ValueSummary {
  return tf.tidy(() => {
    const [minA, maxA, countA] = tf.unstack(a);
    const [minB, maxB, countB] = tf.unstack(b);
    return tf.stack([
      tf.minimum(minA as tf.Scalar, minB as tf.Scalar),
      tf.maximum(maxA as tf.Scalar, maxB as tf.Scalar),
      tf.add(countA as tf.Scalar, countB as tf.Scalar),
    ]) as tf.Tensor1D;
  });
}

function supportOf(model: TrainableVAE): { kind: string; support: LikelihoodSupport } | undefined {
  const likelihood = (model as { likelihood?: Partial<Likelihood> }).likelihood;
  const support = likelihood?.support;
  if (!support || (support.min === Number.NEGATIVE_INFINITY && support.max === Number.POSITIVE_INFINITY)) {
    return undefined;
  }
  return { kind: String(likelihood?.kind ?? 'model'), support };
}

const round = (v: number): string => String(Number(v.toPrecision(4)));
const interval = (min: number, max: number): string => `[${round(min)}, ${round(max)}]`;

/** The fix for data outside a bounded support, tuned to what the values look like. */
function supportFix(kind: string, min: number, max: number, support: LikelihoodSupport): string {
  if (kind !== 'bernoulli' || support.min !== 0 || support.max !== 1) {
    return `Rescale the data into ${interval(support.min, support.max)}, or choose a likelihood whose support holds it.`;
  }
  // Values up to 255 but well above 1 look like 8-bit pixels; say so, as that is the usual cause.
  const pixels = min >= 0 && max > 10 && max <= 255 ? 'Divide 8-bit pixels by 255, or otherwise n' : 'N';
  return `${pixels}ormalize the data to [0, 1] (e.g. (x - min) / (max - min)), binarize it (x > threshold), or use a Gaussian likelihood ({ likelihood: 'gaussian' }) for data on another scale.`;
}

/**
 * Throws when a summary of data (see {@link dataSummary}) shows non-finite values, or values
 * outside the support of the model's likelihood.
 *
 * @param model - The model; its `likelihood.support`, when it has one, bounds the data.
 * @param summary - `[min, max, nonFinite]`, read back.
 * @param where - The caller, for the message (`'fit'`, `'VAE.lossTerms'`).
 * @throws {@link ConfigError} naming the range found, the range needed and the fix.
 */
export function assertDataSummary(model: TrainableVAE, summary: ArrayLike<number>, where: string): void {
  const [min, max, nonFinite] = [summary[0] as number, summary[1] as number, summary[2] as number];
  if (nonFinite > 0) {
    throw new ConfigError(
      `${where}: x holds ${nonFinite} NaN or infinite value${nonFinite === 1 ? '' : 's'}; the loss of such data is NaN. Remove or replace them before training or evaluating, e.g. tf.where(tf.isFinite(x), x, 0).`,
      { field: 'x', expected: 'finite values', got: `${nonFinite} non-finite values` },
    );
  }
  const bounded = supportOf(model);
  if (!bounded || min > max) return; // no bound, or no values at all
  const { kind, support } = bounded;
  if (min < support.min || max > support.max) {
    const needed = interval(support.min, support.max);
    throw new ConfigError(
      `${where}: x holds values in ${interval(min, max)}, but the ${kind} likelihood needs data in ${needed}; outside it the loss is meaningless (or NaN). ${supportFix(kind, min, max, support)}`,
      { field: 'x', expected: `values in ${needed}`, got: `values in ${interval(min, max)}` },
    );
  }
}

/**
 * Throws when a summary of class ids (see {@link labelSummary}) shows ids that are not integers
 * in `[0, numClasses)`. The summary of no ids, `[Infinity, -Infinity, 0]`, passes.
 *
 * @param numClasses - Classes of the model (> 0).
 * @param summary - `[min, max, nonInteger]`, read back.
 * @param where - The caller, for the message.
 * @throws {@link ConfigError} naming the ids found, the range allowed and the fix.
 */
export function assertLabelSummary(numClasses: number, summary: ArrayLike<number>, where: string): void {
  const [min, max, nonInteger] = [summary[0] as number, summary[1] as number, summary[2] as number];
  if (nonInteger === 0 && min > max) return; // no ids at all
  const expected = `integer class ids in [0, ${numClasses - 1}]`;
  if (nonInteger > 0) {
    throw new ConfigError(
      `${where}: labels must be ${expected} (numClasses ${numClasses}), but ${nonInteger} of them ${nonInteger === 1 ? 'is not an integer' : 'are not integers'} (NaN or fractional). Pass whole class ids (e.g. tf.tensor1d(ids, 'int32')), or one-hot labels [batch, ${numClasses}].`,
      { field: 'labels', expected, got: `${nonInteger} non-integer ids` },
    );
  }
  if (min < 0 || max > numClasses - 1) {
    throw new ConfigError(
      `${where}: labels must be ${expected} (numClasses ${numClasses}), got ids in ${interval(min, max)}; an id out of range would silently become an all-zero one-hot row. Map the ids into [0, ${numClasses - 1}], or build the model with numClasses: ${Math.max(numClasses, Math.floor(max) + 1)}.`,
      { field: 'labels', expected, got: `ids in ${interval(min, max)}` },
    );
  }
}

/**
 * Checks a batch of data against the support of the model's likelihood (Bernoulli: [0, 1]) and
 * for NaN or infinite values. One read-back of three numbers: call it once per batch outside
 * autodiff (the training loop calls it on its first batch), never inside a training step.
 *
 * @param model - The model; a model without a `likelihood.support` gets the finiteness check only.
 * @param x - Data, `[batch, ...inputShape]`; not disposed.
 * @param where - The caller, for the message (`'fit'`).
 * @throws {@link ConfigError} with `field: 'x'` naming the range found, the range needed and the
 *   fix (normalize to [0, 1], binarize, or use a Gaussian likelihood), or the count of NaN values.
 */
export function checkDataSupport(model: TrainableVAE, x: tf.Tensor, where: string): void {
  if (x.size === 0) return;
  const summary = dataSummary(x);
  try {
    assertDataSummary(model, summary.dataSync(), where);
  } finally {
    summary.dispose();
  }
}

/**
 * Checks the class labels of a batch against the model's `numClasses`: ids `[batch]` must be
 * integers in `[0, numClasses)`, one-hot labels `[batch, numClasses]` must have `numClasses`
 * columns. Nothing to check for an unconditional model or absent labels (calls that need labels
 * refuse their absence themselves). One read-back of three numbers for id tensors: call it once
 * per batch outside autodiff (the training loop calls it on its first batch).
 *
 * @param model - The model; `numClasses` bounds the ids.
 * @param labels - Class ids `[batch]` or one-hot `[batch, numClasses]` (tensor, array or number); not disposed.
 * @param where - The caller, for the message (`'fit'`).
 * @throws {@link ConfigError} with `field: 'labels'` for ids that are fractional, NaN or out of range.
 * @throws {@link ShapeError} for one-hot labels with another number of columns, or labels of rank above 2.
 */
export function checkLabels(model: TrainableVAE, labels: Labels | undefined, where: string): void {
  const numClasses = model.numClasses ?? 0;
  if (numClasses === 0 || labels === undefined) return;
  if (labels instanceof tf.Tensor && labels.rank !== 1) {
    if (labels.rank !== 2 || labels.shape[1] !== numClasses) {
      const batch = labels.shape[0] as number;
      throw new ShapeError(
        `${where}: labels must be class ids [${batch}] or one-hot [${batch}, ${numClasses}], got ${showShape(labels.shape)} (numClasses ${numClasses}). Pass ids, or one-hot rows of ${numClasses} columns (tf.oneHot(ids, ${numClasses})).`,
        { argument: 'labels', expected: [null, numClasses], got: labels.shape },
      );
    }
    return;
  }
  if (labels instanceof tf.Tensor && labels.size === 0) return;
  const summary = labelSummary(labels);
  if (!summary) return;
  try {
    assertLabelSummary(numClasses, summary.dataSync(), where);
  } finally {
    summary.dispose();
  }
}

/**
 * A sentence on the data the model's likelihood needs, for messages about a NaN loss: e.g.
 * `The bernoulli likelihood needs data in [0, 1]: ...`, or `''` when the likelihood takes any
 * finite value.
 *
 * @param model - The model.
 * @returns The sentence (with a leading space), or `''`.
 */
export function dataSupportHint(model: TrainableVAE): string {
  const bounded = supportOf(model);
  if (!bounded) return '';
  const { kind, support } = bounded;
  return ` The ${kind} likelihood needs data in ${interval(support.min, support.max)}: data on another scale (0-255 pixels) makes the loss NaN; ${kind === 'bernoulli' ? "divide 8-bit pixels by 255, binarize, or use { likelihood: 'gaussian' }" : 'rescale it'}.`;
}
