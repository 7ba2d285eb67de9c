import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../internal/index.js';

/**
 * Options of the toy data makers.
 *
 * @category Testing
 */
export interface ToyDataOptions {
  /** Seed of the values. @defaultValue 1 */
  seed?: number;
  /** Round the values to 0 or 1 (binary images). @defaultValue false */
  binary?: boolean;
}

/**
 * Deterministic toy images in [0, 1]: soft blobs whose position depends on the index, so a model
 * has something to learn. Same seed, same values everywhere.
 *
 * @param n - Number of images.
 * @param shape - Shape of one image, e.g. `[8, 8, 1]` (any shape works; treated as flat when not 3-D).
 * @param options - `seed` and `binary`.
 * @returns `[n, ...shape]` float32 (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { makeToyImages } from '@vae/core/test';
 * const x = makeToyImages(16, [8, 8, 1], { seed: 3 });
 * ```
 * @category Testing
 */
export function makeToyImages(n: number, shape: number[], options: ToyDataOptions = {}): tf.Tensor {
  const random = mulberry32(options.seed ?? 1);
  const size = shape.reduce((a, b) => a * b, 1);
  const [h, w, c] = shape.length === 3 ? shape : [1, size, 1];
  const values = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const cy = random() * h;
    const cx = random() * w;
    const radius = 1 + random() * Math.max(1, Math.min(h, w) / 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d2 = ((y - cy) ** 2 + (x - cx) ** 2) / (radius * radius);
        for (let k = 0; k < c; k++) {
          let v = Math.exp(-d2) * (0.8 + 0.2 * random());
          if (options.binary) v = v > 0.5 ? 1 : 0;
          values[i * size + (y * w + x) * c + k] = v;
        }
      }
    }
  }
  return tf.tensor(values, [n, ...shape]);
}

/**
 * Deterministic class ids in `[0, numClasses)`.
 *
 * @param n - Number of labels.
 * @param numClasses - Number of classes.
 * @param options - `seed`.
 * @returns `[n]` int32 (new tensor).
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { makeToyLabels } from '@vae/core/test';
 * const y = makeToyLabels(16, 10);
 * ```
 * @category Testing
 */
export function makeToyLabels(n: number, numClasses: number, options: ToyDataOptions = {}): tf.Tensor1D {
  const random = mulberry32(options.seed ?? 1);
  return tf.tensor1d(
    Array.from({ length: n }, () => Math.floor(random() * numClasses)),
    'int32',
  );
}
