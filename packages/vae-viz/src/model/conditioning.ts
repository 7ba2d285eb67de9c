import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import type { DecodeFn, VAECallOptions, VAELike } from './vae-like.js';

/**
 * How a conditional model wants its labels.
 * - `'one-hot'`: float32 `[batch, numClasses]` (the default).
 * - `'index'`: int32 `[batch]` class indices.
 *
 * @category Visualization
 */
export type LabelFormat = 'one-hot' | 'index';

/**
 * Options shared by every picture that decodes through a conditional model.
 *
 * @category Visualization
 */
export interface ConditionOptions {
  /**
   * Class to condition on, for a conditional model (`vae.numClasses > 0`).
   * @defaultValue `0` for a conditional model; ignored otherwise
   */
  label?: number;
  /**
   * How labels are passed to the model.
   * @defaultValue `'one-hot'`
   */
  labelFormat?: LabelFormat;
  /**
   * Labels for every row, in the model's format; overrides `label` (used for reconstructions,
   * where each example keeps its own class). Not disposed.
   * @defaultValue `undefined`
   */
  labels?: tf.Tensor | undefined;
}

/** Whether `value` is a {@link VAELike} rather than a bare decode function. */
export function isVAELike(value: unknown): value is VAELike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as VAELike).decode === 'function' &&
    typeof (value as VAELike).latentDim === 'number'
  );
}

/** Number of classes of a conditional model, `0` for an unconditional one. */
export function classCount(model: VAELike | DecodeFn): number {
  return isVAELike(model) && model.numClasses !== undefined && model.numClasses > 0 ? model.numClasses : 0;
}

/**
 * Makes the labels tensor for `count` rows of class `label`, or `undefined` for an unconditional
 * model. The caller disposes the result.
 */
export function makeLabels(
  where: string,
  model: VAELike | DecodeFn,
  count: number,
  options: ConditionOptions,
): tf.Tensor | undefined {
  const classes = classCount(model);
  if (classes === 0) return undefined;
  if (options.labels !== undefined) return tf.clone(options.labels);
  const label = options.label ?? 0;
  if (!Number.isInteger(label) || label < 0 || label >= classes) {
    throw new ConfigError(
      `${where}: label must be an integer class index in [0, ${classes - 1}], got ${String(label)}. Pass e.g. { label: 0 }.`,
      { field: 'options.label', expected: `an integer in [0, ${classes - 1}]`, got: label },
    );
  }
  const format = options.labelFormat ?? 'one-hot';
  if (format === 'index') return tf.fill([count], label, 'int32');
  if (format !== 'one-hot') {
    throw new ConfigError(`${where}: labelFormat must be 'one-hot' or 'index', got ${String(format)}.`, {
      field: 'options.labelFormat',
      expected: "'one-hot' or 'index'",
      got: format,
    });
  }
  return tf.tidy(() => tf.cast(tf.oneHot(tf.fill([count], label, 'int32'), classes), 'float32'));
}

/**
 * Decodes `z` through a VAE-like object or a decode function, with labels for a conditional model.
 * Returns a new tensor; `z` is not disposed.
 */
export function decodeWith(
  where: string,
  model: VAELike | DecodeFn,
  z: tf.Tensor2D,
  options: ConditionOptions,
): tf.Tensor {
  if (!isVAELike(model)) return model(z);
  const labels = makeLabels(where, model, z.shape[0], options);
  try {
    const callOptions: VAECallOptions | undefined = labels === undefined ? undefined : { labels };
    return model.decode(z, callOptions);
  } finally {
    labels?.dispose();
  }
}

/**
 * Encodes `x` to the posterior mean through a VAE-like object, with labels for a conditional
 * model. Returns a new `[batch, latentDim]` tensor.
 */
export function encodeMean(where: string, vae: VAELike, x: tf.Tensor, options: ConditionOptions): tf.Tensor2D {
  const labels = makeLabels(where, vae, x.shape[0] ?? 1, options);
  try {
    const { mean, logVar } = vae.encode(x, labels === undefined ? undefined : { labels });
    logVar.dispose();
    return mean;
  } finally {
    labels?.dispose();
  }
}
