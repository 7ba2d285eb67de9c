import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors/index.js';
import { show, showShape } from '../internal/index.js';

/**
 * Class labels of a conditional model: integer class ids `[batch]` (a tensor or an array), one-hot
 * `[batch, numClasses]`, or (for `sample`) one id for every example.
 *
 * @category Models
 */
export type Labels = tf.Tensor | readonly number[] | number;

/** Turns labels into one-hot float32 `[batch, numClasses]`; the result is new (call inside tidy). */
export function resolveLabels(
  where: string,
  labels: Labels | undefined,
  batch: number,
  numClasses: number,
): tf.Tensor2D | undefined {
  if (numClasses === 0) {
    if (labels !== undefined) {
      throw new ConfigError(
        `${where}: labels were given but this VAE is unconditional (numClasses 0). Leave labels out, or build a conditional model with buildConditionalVAE.`,
        { field: 'labels', expected: 'undefined', got: 'labels' },
      );
    }
    return undefined;
  }
  if (labels === undefined) {
    throw new ConfigError(
      `${where}: this VAE is conditional on ${numClasses} classes and needs labels. Pass { labels } as class ids [batch] or one-hot [batch, ${numClasses}].`,
      { field: 'labels', expected: `class ids [batch] or one-hot [batch, ${numClasses}]`, got: undefined },
    );
  }
  if (typeof labels === 'number' || Array.isArray(labels)) {
    const ids: number[] = typeof labels === 'number' ? new Array(batch).fill(labels) : [...(labels as number[])];
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= numClasses);
    if (bad !== undefined) {
      throw new ConfigError(
        `${where}: labels must be class ids in [0, ${numClasses - 1}], got ${show(bad)}. Pass integers below numClasses.`,
        { field: 'labels', expected: `integers in [0, ${numClasses - 1}]`, got: bad },
      );
    }
    if (ids.length !== batch) {
      throw new ShapeError(`${where}: expected ${batch} labels (one per example), got ${ids.length}.`, {
        argument: 'labels',
        expected: [batch],
        got: [ids.length],
      });
    }
    return tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), numClasses), 'float32') as tf.Tensor2D;
  }
  const t = labels as tf.Tensor;
  if (t.rank === 1 && t.shape[0] === batch) {
    return tf.cast(tf.oneHot(tf.cast(t, 'int32') as tf.Tensor1D, numClasses), 'float32') as tf.Tensor2D;
  }
  if (t.rank === 2 && t.shape[0] === batch && t.shape[1] === numClasses) {
    return tf.cast(t, 'float32') as tf.Tensor2D;
  }
  throw new ShapeError(
    `${where}: labels must be class ids [${batch}] or one-hot [${batch}, ${numClasses}], got ${showShape(t.shape)}.`,
    { argument: 'labels', expected: [batch, numClasses], got: t.shape },
  );
}
