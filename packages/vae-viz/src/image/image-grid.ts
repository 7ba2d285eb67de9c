import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import { type ImageBatch, type ImageShape, toImageBatch } from './image-batch.js';
import { type Color, filledImage, type RgbaImage, scaleImage, toByte } from './rgba-image.js';

/**
 * Options of {@link imageGrid}.
 *
 * @category Visualization
 */
export interface ImageGridOptions {
  /**
   * Images per row.
   * @defaultValue `ceil(sqrt(n))`
   */
  columns?: number;
  /**
   * Pixels of background between images and around the grid, before scaling.
   * @defaultValue `1`
   */
  padding?: number;
  /**
   * Integer factor by which the finished grid is enlarged, each pixel becoming a `scale x scale`
   * block (nearest neighbour, so digits stay crisp).
   * @defaultValue `1`
   */
  scale?: number;
  /**
   * Colour of the padding: a gray level in `[0, 1]` or `[r, g, b]` in `[0, 1]`.
   * @defaultValue `0.5`
   */
  background?: Color;
  /**
   * Shape of one image when the tensor is flat (`[n, 784]` with `[28, 28]`).
   * @defaultValue `undefined` (the tensor is `[n, h, w, c]` or `[n, h, w]`)
   */
  imageShape?: ImageShape;
}

/** Resolved grid settings, shared by the pictures built on grids. */
export interface GridSettings {
  columns: number | undefined;
  padding: number;
  scale: number;
  background: Color;
}

/** Validates the layout options shared by every grid picture. */
export function resolveGridSettings(where: string, options: ImageGridOptions): GridSettings {
  const { columns, padding = 1, scale = 1, background = 0.5 } = options;
  if (columns !== undefined && !(Number.isInteger(columns) && columns > 0)) {
    throw new ConfigError(
      `${where}: columns must be a positive integer, got ${String(columns)}. Pass e.g. { columns: 8 }.`,
      {
        field: 'options.columns',
        expected: 'a positive integer',
        got: columns,
      },
    );
  }
  if (!(Number.isInteger(padding) && padding >= 0)) {
    throw new ConfigError(
      `${where}: padding must be a non-negative integer, got ${String(padding)}. Pass e.g. { padding: 1 }.`,
      { field: 'options.padding', expected: 'a non-negative integer', got: padding },
    );
  }
  if (!(Number.isInteger(scale) && scale >= 1 && scale <= 64)) {
    throw new ConfigError(
      `${where}: scale must be an integer from 1 to 64, got ${String(scale)}. Pass e.g. { scale: 4 }.`,
      {
        field: 'options.scale',
        expected: 'an integer from 1 to 64',
        got: scale,
      },
    );
  }
  const channels = typeof background === 'number' ? [background] : background;
  if (!Array.isArray(channels) || ![1, 3].includes(channels.length) || !channels.every((v) => v >= 0 && v <= 1)) {
    throw new ConfigError(
      `${where}: background must be a gray level in [0, 1] or [r, g, b] in [0, 1], got ${JSON.stringify(background)}.`,
      { field: 'options.background', expected: 'a number or [r, g, b] in [0, 1]', got: background },
    );
  }
  return { columns, padding, scale, background };
}

/**
 * Lays a batch out as a grid of `columns` images per row. The first image is top left; images
 * fill rows left to right. Gray images become gray RGBA pixels; values are clamped to `[0, 1]`
 * and rounded to bytes (`round(v * 255)`). `cells`, when given, names the image shown in each
 * cell (`null` leaves the cell as background).
 */
export function layoutGrid(batch: ImageBatch, settings: GridSettings, cells?: ReadonlyArray<number | null>): RgbaImage {
  const { height: h, width: w, channels: c, data } = batch;
  const order = cells ?? Array.from({ length: batch.count }, (_, i) => i);
  const count = order.length;
  const columns = settings.columns ?? Math.max(1, Math.ceil(Math.sqrt(count)));
  const rows = Math.max(1, Math.ceil(count / columns));
  const p = settings.padding;
  const width = columns * (w + p) + p;
  const height = rows * (h + p) + p;
  const image = filledImage(width, height, settings.background);
  const out = image.data;
  for (let i = 0; i < count; i++) {
    const index = order[i];
    if (index === null || index === undefined) continue;
    const left = p + (i % columns) * (w + p);
    const top = p + Math.floor(i / columns) * (h + p);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((index * h + y) * w + x) * c;
        const dst = ((top + y) * width + left + x) * 4;
        const r = toByte(data[src]!);
        out[dst] = r;
        out[dst + 1] = c === 3 ? toByte(data[src + 1]!) : r;
        out[dst + 2] = c === 3 ? toByte(data[src + 2]!) : r;
      }
    }
  }
  return scaleImage(image, settings.scale);
}

/**
 * Lays images out as one grid picture.
 *
 * Accepts `[n, h, w, 1 | 3]` or `[n, h, w]` tensors with values in `[0, 1]` (values outside are
 * clamped), flat `[n, d]` tensors with `imageShape`, or an {@link ImageBatch} of plain numbers.
 * The first image is top left and images fill rows left to right. Encode the result with
 * {@link encodePng}, draw it with {@link renderToCanvas}, or write it with `writePng` from
 * `@vae/viz/node`.
 *
 * @param images - `[n, h, w, c]`, `[n, h, w]` or (with `imageShape`) `[n, d]`; not disposed.
 * @param options - Layout: columns, padding, scale, background.
 * @returns A new RGBA picture of `(columns * (w + padding) + padding) * scale` by
 *   `(rows * (h + padding) + padding) * scale` pixels.
 * @throws `ShapeError` (from `@vae/core`) when the tensor is not a batch of gray or RGB images.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { encodePng, imageGrid } from '@vae/viz';
 *
 * const images = tf.randomUniform([16, 28, 28, 1]);
 * const grid = imageGrid(images, { columns: 4, padding: 2, scale: 2 });
 * const png = encodePng(grid); // Uint8Array, starts with the PNG signature
 * images.dispose();
 * ```
 * @category Visualization
 */
export function imageGrid(images: tf.Tensor | ImageBatch, options: ImageGridOptions = {}): RgbaImage {
  const settings = resolveGridSettings('imageGrid', options);
  return layoutGrid(toImageBatch('imageGrid', images, options.imageShape), settings);
}
