import { ConfigError } from '@vae/core';
import type { RgbaImage } from './rgba-image.js';

/**
 * The part of a 2-D canvas context that {@link renderToCanvas} uses (a browser
 * `CanvasRenderingContext2D`, an `OffscreenCanvasRenderingContext2D`, or a Node canvas).
 *
 * @category Visualization
 */
export interface CanvasLike {
  /** Canvas width in pixels; set to the picture's width. */
  width: number;
  /** Canvas height in pixels; set to the picture's height. */
  height: number;
  /** Returns the 2-D drawing context, or `null` when the canvas has another kind of context. */
  getContext(kind: '2d'): Canvas2DContextLike | null;
}

/**
 * The part of a 2-D drawing context that {@link renderToCanvas} uses.
 *
 * @category Visualization
 */
export interface Canvas2DContextLike {
  /** Makes a blank `ImageData` of the given size. */
  createImageData(width: number, height: number): ImageDataLike;
  /** Draws an `ImageData` with its top-left corner at `(dx, dy)`. */
  putImageData(imageData: never, dx: number, dy: number): void;
}

/**
 * The part of a browser `ImageData` that {@link renderToCanvas} writes.
 *
 * @category Visualization
 */
export interface ImageDataLike {
  /** RGBA bytes, row by row. */
  readonly data: Uint8ClampedArray;
}

/**
 * Draws a picture on a canvas at its own size (the canvas is resized to fit). Enlarge the
 * picture with the `scale` option of the function that made it, or with CSS
 * `image-rendering: pixelated`.
 *
 * @param canvas - A browser `HTMLCanvasElement` or `OffscreenCanvas`, or anything shaped like one.
 * @param image - The picture, e.g. from {@link imageGrid}.
 * @throws `ConfigError` (from `@vae/core`) when the canvas gives no 2-D context.
 * @example
 * <!-- runner: skip (browser only: draws on a page canvas) -->
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { imageGrid, renderToCanvas } from '@vae/viz';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const x = tf.randomUniform([4, 8, 8, 1]);
 * renderToCanvas(document.querySelector('canvas')!, imageGrid(x, { scale: 4 }));
 * x.dispose();
 * ```
 * @category Visualization
 */
export function renderToCanvas(canvas: CanvasLike, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (context === null) {
    throw new ConfigError(
      'renderToCanvas: the canvas has no 2-D context (is it already used for WebGL?). Pass a fresh canvas.',
      {
        field: 'canvas',
        expected: "a canvas whose getContext('2d') works",
        got: null,
      },
    );
  }
  const imageData = context.createImageData(image.width, image.height);
  imageData.data.set(image.data);
  context.putImageData(imageData as never, 0, 0);
}
