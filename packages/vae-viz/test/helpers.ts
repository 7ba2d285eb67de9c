import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { RgbaImage, VaeLike } from '../src/index.js';

/** Runs `fn` once to warm up, then checks that a second call leaves no tensor behind. */
export function expectNoTensorLeak(fn: () => unknown): void {
  fn();
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** Gray levels (the red channel) of a picture, row by row, as plain numbers. */
export function grayRows(image: RgbaImage): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < image.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < image.width; x++) row.push(image.data[(y * image.width + x) * 4]!);
    rows.push(row);
  }
  return rows;
}

/** Decodes PNG or GIF bytes with sharp (libvips, independent of this package's encoders). */
export async function decodeWithSharp(bytes: Uint8Array, page = 0) {
  const { data, info } = await sharp(bytes, { page }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/**
 * A toy VAE with a 2-D latent whose decoder paints `clip(z, 0, 1)` as a 1 x 2 gray image and
 * whose encoder reads the two pixels back: so every picture is known by hand.
 * Conditional when `numClasses` is given: the decoder adds `label / 10` to both pixels.
 */
export function toyVae(numClasses?: number): VaeLike & { calls: Array<{ rows: number; labels?: number[][] }> } {
  const calls: Array<{ rows: number; labels?: number[][] }> = [];
  return {
    latentDim: 2,
    ...(numClasses === undefined ? {} : { numClasses }),
    calls,
    encode: (x) =>
      tf.tidy(() => {
        const mean = tf.reshape(x, [x.shape[0]!, 2]) as tf.Tensor2D;
        return { mean, logVar: tf.zerosLike(mean) };
      }),
    decode: (z, options) =>
      tf.tidy(() => {
        const labels = options?.labels;
        calls.push({ rows: z.shape[0], ...(labels ? { labels: labels.arraySync() as number[][] } : {}) });
        let values: tf.Tensor = z;
        if (labels !== undefined) {
          const index = tf.cast(tf.argMax(labels, 1), 'float32');
          values = tf.add(z, tf.expandDims(tf.div(index, 10), 1));
        }
        return tf.reshape(tf.clipByValue(values, 0, 1), [z.shape[0], 1, 2, 1]);
      }),
  };
}
