import type * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors/index.js';

/** Product of the dimensions of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Formats a shape for messages, `null` standing for any size: `[batch, 28, 28, 1]`. */
export function showShape(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
}

/**
 * Checks that `tensor` has shape `[batch, ...rest]` (rest exactly as given); metadata only, no
 * read-back, so it is cheap enough for every call.
 */
export function checkBatchShape(where: string, argument: string, tensor: tf.Tensor, rest: readonly number[]): void {
  const ok = tensor.rank === rest.length + 1 && tensor.shape[0] > 0 && rest.every((d, i) => tensor.shape[i + 1] === d);
  if (!ok) {
    const expected = [null, ...rest];
    throw new ShapeError(
      `${where}: ${argument} must have shape ${showShape(expected)}, got ${showShape(tensor.shape)}. ` +
        (tensor.rank === rest.length
          ? `Add a batch axis, e.g. tf.expandDims(${argument}, 0).`
          : `Reshape ${argument} to the model's data shape ${showShape(rest)} with a leading batch axis.`),
      { argument, expected, got: tensor.shape },
    );
  }
}
