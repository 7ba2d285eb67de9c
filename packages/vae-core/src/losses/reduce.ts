import * as tf from '@tensorflow/tfjs-core';

/** Sums `[batch, ...]` over every axis but the first: `[batch]`. */
export function sumPerExample(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(tf.reshape(t, [t.shape[0], -1]), 1) as tf.Tensor1D;
}
