import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { RgbaImage, VAELike } from '../src/index.js';

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
export function toyVAE(numClasses?: number): VAELike & { calls: Array<{ rows: number; labels?: number[][] }> } {
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

/**
 * A deterministic untrained "VAE" on 8 x 8 gray images: encoder and decoder are fixed random
 * linear maps (seeded), the decoder followed by a sigmoid. Enough to make every picture of a
 * report without training anything.
 */
export function linearVAE(
  latentDim: number,
  options: { numClasses?: number; flat?: boolean } = {},
): VAELike & {
  dispose(): void;
} {
  const classes = options.numClasses ?? 0;
  const [we, wd, wl] = tf.tidy(() => [
    tf.randomNormal([64, latentDim], 0, 0.3, 'float32', 1),
    tf.randomNormal([latentDim, 64], 0, 1.5, 'float32', 2),
    tf.randomNormal([Math.max(classes, 1), 64], 0, 1.5, 'float32', 3),
  ]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return {
    latentDim,
    ...(classes > 0 ? { numClasses: classes } : {}),
    encode: (x) =>
      tf.tidy(() => {
        const mean = tf.matMul(tf.reshape(x, [x.shape[0]!, 64]), we) as tf.Tensor2D;
        return { mean, logVar: tf.zerosLike(mean) };
      }),
    decode: (z, callOptions) =>
      tf.tidy(() => {
        let logits = tf.matMul(z, wd);
        if (classes > 0) logits = tf.add(logits, tf.matMul(callOptions!.labels!, wl));
        const mean = tf.sigmoid(logits);
        return options.flat ? mean : tf.reshape(mean, [z.shape[0], 8, 8, 1]);
      }),
    dispose: () => tf.dispose([we, wd, wl]),
  };
}

/** `n` 8 x 8 images of blobs at different places, and their classes (`i % classes`). */
export function blobImages(n: number, classes = 3): { x: tf.Tensor4D; labels: number[] } {
  const data = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    labels.push(label);
    const cx = 2 + ((i * 5) % 4) + label;
    const cy = 2 + ((i * 3) % 4);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) data[i * 64 + y * 8 + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 3);
  }
  return { x: tf.tensor4d(data, [n, 8, 8, 1]), labels };
}
