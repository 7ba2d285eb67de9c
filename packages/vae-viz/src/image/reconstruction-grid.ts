import type * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vae/core';
import { type ImageBatch, toImageBatch } from './image-batch.js';
import { type ImageGridOptions, layoutGrid, resolveGridSettings } from './image-grid.js';
import type { RgbaImage } from './rgba-image.js';

/**
 * Shows originals above their reconstructions: a row of originals, then the row of their
 * reconstructions, then the next row of originals, and so on.
 *
 * `columns` (default: all `n` images in one row) sets how many pairs sit side by side. Pass the
 * VAE's output directly: `decode` returns the likelihood mean in data space.
 *
 * @param x - Originals, `[n, h, w, c]`, `[n, h, w]` or (with `imageShape`) `[n, d]`; not disposed.
 * @param xHat - Reconstructions of the same shape; not disposed.
 * @param options - Layout, as for {@link imageGrid}.
 * @returns A new RGBA picture with `2 * ceil(n / columns)` rows of images.
 * @throws `ShapeError` (from `@vae/core`) when `x` and `xHat` do not hold the same number and size of images.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { reconstructionGrid } from '@vae/viz';
 *
 * const x = tf.randomUniform([8, 28, 28, 1]);
 * const xHat = tf.clipByValue(tf.add(x, 0.1), 0, 1);
 * const picture = reconstructionGrid(x, xHat, { scale: 2 });
 * tf.dispose([x, xHat]);
 * ```
 * @category Visualization
 */
export function reconstructionGrid(
  x: tf.Tensor | ImageBatch,
  xHat: tf.Tensor | ImageBatch,
  options: ImageGridOptions = {},
): RgbaImage {
  const where = 'reconstructionGrid';
  const settings = resolveGridSettings(where, options);
  const a = toImageBatch(where, x, options.imageShape);
  const b = toImageBatch(where, xHat, options.imageShape);
  if (a.count !== b.count || a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new ShapeError(
      `${where}: x and xHat must hold the same images, got ${a.count} x ${a.height} x ${a.width} x ${a.channels} and ${b.count} x ${b.height} x ${b.width} x ${b.channels}. Pass the decoder's output for exactly these inputs.`,
      {
        argument: 'xHat',
        expected: [a.count, a.height, a.width, a.channels],
        got: [b.count, b.height, b.width, b.channels],
      },
    );
  }
  const columns = settings.columns ?? Math.max(1, a.count);
  const per = a.height * a.width * a.channels;
  const data = new Float32Array(2 * a.count * per);
  for (let k = 0; k < a.count * per; k++) {
    data[k] = a.data[k]!;
    data[a.count * per + k] = b.data[k]!;
  }
  const batch: ImageBatch = { count: 2 * a.count, height: a.height, width: a.width, channels: a.channels, data };
  const cells: Array<number | null> = [];
  for (let start = 0; start < a.count; start += columns) {
    for (const offset of [0, a.count]) {
      for (let col = 0; col < columns; col++) cells.push(start + col < a.count ? offset + start + col : null);
    }
  }
  return layoutGrid(batch, { ...settings, columns }, cells);
}
