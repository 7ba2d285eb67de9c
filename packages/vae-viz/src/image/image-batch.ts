import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';

/**
 * A batch of images as plain numbers: `count` images of `height x width x channels`, values in
 * `[0, 1]`, laid out like a `[count, height, width, channels]` tensor.
 *
 * @category Visualization
 */
export interface ImageBatch {
  /** Number of images. */
  readonly count: number;
  /** Height of one image. */
  readonly height: number;
  /** Width of one image. */
  readonly width: number;
  /** 1 (gray) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** `count * height * width * channels` values in `[0, 1]`. */
  readonly data: ArrayLike<number>;
}

/**
 * The shape of one image, for models whose decoder returns flat vectors (`[batch, 784]`):
 * `[height, width]` or `[height, width, channels]`.
 *
 * @category Visualization
 */
export type ImageShape = readonly [number, number] | readonly [number, number, number];

/** Whether `value` is a tfjs tensor (duck-typed, so two copies of tfjs-core both work). */
export function isTensor(value: unknown): value is tf.Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as tf.Tensor).shape) &&
    typeof (value as tf.Tensor).dataSync === 'function'
  );
}

/**
 * Reads a tensor of images into an {@link ImageBatch}. Accepts `[n, h, w, c]` (c = 1 or 3),
 * `[n, h, w]`, and flat `[n, d]` when `imageShape` says how to fold `d`. A single image of rank 3
 * with 1 or 3 channels is not guessed: pass a batch.
 */
export function toImageBatch(where: string, images: tf.Tensor | ImageBatch, imageShape?: ImageShape): ImageBatch {
  if (!isTensor(images)) {
    checkBatch(where, images);
    return images;
  }
  const shape = images.shape;
  let dims: [number, number, number, number];
  if (imageShape !== undefined) {
    const [h, w, c = 1] = imageShape;
    if (![h, w, c].every((v) => Number.isInteger(v) && v > 0) || (c !== 1 && c !== 3)) {
      throw new ConfigError(
        `${where}: imageShape must be [height, width] or [height, width, 1 | 3] of positive integers, got [${imageShape.join(', ')}].`,
        { field: 'options.imageShape', expected: '[height, width, 1 | 3]', got: imageShape },
      );
    }
    const n = shape[0] ?? 0;
    const per = images.size / Math.max(n, 1);
    if (shape.length < 2 || per !== h * w * c) {
      throw new ShapeError(
        `${where}: images of shape [${shape.join(', ')}] do not fold into imageShape [${h}, ${w}, ${c}] (${h * w * c} values per image, got ${per}). Pass the imageShape the decoder was built for.`,
        { argument: 'images', expected: [null, h * w * c], got: shape },
      );
    }
    dims = [n, h, w, c];
  } else if (shape.length === 4) {
    dims = shape as [number, number, number, number];
  } else if (shape.length === 3) {
    dims = [shape[0]!, shape[1]!, shape[2]!, 1];
  } else {
    throw new ShapeError(
      `${where}: images must be [batch, height, width, channels] or [batch, height, width], got shape [${shape.join(', ')}]. For flat vectors like [batch, 784] pass { imageShape: [28, 28] }.`,
      { argument: 'images', expected: [null, null, null, null], got: shape },
    );
  }
  const [count, height, width, channels] = dims;
  if (channels !== 1 && channels !== 3) {
    throw new ShapeError(
      `${where}: images must have 1 (gray) or 3 (RGB) channels, got ${channels} in shape [${shape.join(', ')}].`,
      { argument: 'images', expected: [null, null, null, 3], got: shape },
    );
  }
  return { count, height, width, channels, data: images.dataSync() };
}

function checkBatch(where: string, batch: ImageBatch): void {
  const { count, height, width, channels, data } = batch;
  const ok =
    [count, height, width].every((v) => Number.isInteger(v) && v >= 0) &&
    (channels === 1 || channels === 3) &&
    data.length === count * height * width * channels;
  if (!ok) {
    throw new ShapeError(
      `${where}: ImageBatch of ${count} x ${height} x ${width} x ${channels} needs ${count * height * width * channels} values, got ${data.length}. Check count, height, width and channels (1 or 3).`,
      { argument: 'images', expected: [count, height, width, channels], got: [data.length] },
    );
  }
}
