import type * as tf from '@tensorflow/tfjs-core';
import { copyRows, copySimdFor } from './copy-simd.js';
import { heapOffset, type KernelArgs, runKernel } from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/** The whole-number scale factors of a nearest-neighbour resize from `[h, w]` to `[newH, newW]`, or `null`. */
function wholeScales(h: number, w: number, newH: number, newW: number): [number, number] | null {
  if (h === 0 || w === 0 || newH % h !== 0 || newW % w !== 0 || newH < h || newW < w) return null;
  return [newH / h, newW / w];
}

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
  size: [number, number];
}

/**
 * A replacement for the wasm `ResizeNearestNeighbor` kernel. Upsampling a float32 NHWC batch by
 * whole factors (Keras' `UpSampling2D`) without `alignCorners` copies each input row's pixels to
 * their places with SIMD strided copies, then repeats whole output rows; with whole factors both
 * pixel conventions (`halfPixelCenters` or not) pick the same source pixels, `⌊i / scale⌋`.
 * Everything else goes to the original kernel.
 */
export function makeResizeNearestNeighbor(original: OriginalKernel) {
  return function resizeNearestNeighbor(args: KernelArgs<{ images: tf.TensorInfo }, ResizeAttrs>): tf.TensorInfo {
    const { backend, attrs } = args;
    const { images } = args.inputs;
    const [batch, h, w, c] = images.shape as [number, number, number, number];
    const [newH, newW] = attrs.size;
    const scales = images.shape.length === 4 ? wholeScales(h, w, newH, newW) : null;
    const copy = copySimdFor(backend);
    if (images.dtype !== 'float32' || attrs.alignCorners || scales === null || copy === null) {
      return runKernel(original, backend, { images }, attrs as unknown as object);
    }
    const [sh, sw] = scales;
    const out = backend.makeOutput([batch, newH, newW, c], 'float32');
    const [src, dst] = [heapOffset(backend, images), heapOffset(backend, out)];
    const pixel = c * 4;
    const outRow = newW * pixel;
    for (let b = 0; b < batch; b++) {
      for (let ih = 0; ih < h; ih++) {
        const first = dst + (b * newH + ih * sh) * outRow;
        const from = src + (b * h + ih) * w * pixel;
        // Each input pixel to its sw places in the first output row of this input row ...
        for (let k = 0; k < sw; k++) copyRows(copy, from, first + k * pixel, w, pixel, sw * pixel, pixel);
        // ... and the next sh - 1 output rows repeat that row.
        copyRows(copy, first, first + outRow, sh - 1, 0, outRow, outRow);
      }
    }
    return out;
  };
}

/**
 * A replacement for the wasm `ResizeNearestNeighborGrad` kernel (the gradient of `UpSampling2D`):
 * for whole factors without `alignCorners`, each input pixel's gradient is the sum of the
 * `sh × sw` output pixels it was copied to, added with SIMD strided copies (the first block
 * position copied, the others added in float32, in the cpu backend's order). Everything else
 * goes to the original kernel.
 */
export function makeResizeNearestNeighborGrad(original: OriginalKernel) {
  return function resizeNearestNeighborGrad(
    args: KernelArgs<{ images: tf.TensorInfo; dy: tf.TensorInfo }, { alignCorners: boolean }>,
  ): tf.TensorInfo {
    const { backend, attrs } = args;
    const { images, dy } = args.inputs;
    const [batch, h, w, c] = images.shape as [number, number, number, number];
    const [, newH, newW] = dy.shape as [number, number, number, number];
    const scales = images.shape.length === 4 && dy.shape.length === 4 ? wholeScales(h, w, newH, newW) : null;
    const copy = copySimdFor(backend);
    if (dy.dtype !== 'float32' || attrs.alignCorners || scales === null || copy === null) {
      return runKernel(original, backend, { images, dy }, attrs);
    }
    const [sh, sw] = scales;
    const dx = backend.makeOutput([batch, h, w, c], 'float32');
    const [src, dst] = [heapOffset(backend, dy), heapOffset(backend, dx)];
    const pixel = c * 4;
    for (let b = 0; b < batch; b++) {
      for (let ih = 0; ih < h; ih++) {
        const to = dst + (b * h + ih) * w * pixel;
        for (let a = 0; a < sh; a++) {
          const row = src + (b * newH + ih * sh + a) * newW * pixel;
          for (let k = 0; k < sw; k++) {
            copyRows(copy, row + k * pixel, to, w, sw * pixel, pixel, pixel, a > 0 || k > 0);
          }
        }
      }
    }
    return dx;
  };
}
