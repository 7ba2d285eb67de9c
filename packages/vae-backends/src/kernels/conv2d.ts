import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, im2colOnHeap } from './conv-geometry.js';
import { copySimd } from './copy-simd.js';
import { blockProduct, gemmFor, heapOffset } from './gemm.js';
import { heapF32, type KernelArgs, release, runKernel, wasmMemory } from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/** Patch values gathered per product: small enough to stay in a core's cache. */
const CHUNK_VALUES = 1 << 19;

interface Conv2DInputs {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
}

/**
 * A replacement for the wasm `Conv2D` kernel (conv2d's forward pass, and through the sub-pixel
 * `Conv2DBackpropInput` also conv2dTranspose's): for float32 channels-last inputs with a
 * multiple of 4 output channels, the input's patches are gathered (im2col) a few images at a time
 * and multiplied by the filter, read in place as a `patch × outChannels` matrix, on our SIMD block
 * functions; the output rows are written where they belong. Everything else (channels first,
 * other output widths, no wasm SIMD) goes to the original kernel.
 */
export function makeConv2D(original: OriginalKernel) {
  return function conv2D(args: KernelArgs<Conv2DInputs, tf.Conv2DAttrs>): tf.TensorInfo {
    const { backend, attrs } = args;
    const { x, filter } = args.inputs;
    const fallback = () => runKernel(original, backend, args.inputs as unknown as tf.NamedTensorInfoMap, attrs);
    if (x.dtype !== 'float32' || filter.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return fallback();
    const [, , inChannels, outChannels] = filter.shape as [number, number, number, number];
    const patch = filter.shape.slice(0, 3).reduce((a, b) => a * b, 1);
    const memory = wasmMemory(backend);
    const copy = memory === undefined ? null : copySimd(memory);
    if (outChannels % 4 !== 0 || x.shape[3] !== inChannels || copy === null) return fallback();
    const gemm = gemmFor(backend, patch * 4);
    if (gemm === null) return fallback();
    const g = convGeometry(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const perImage = g.outHeight * g.outWidth;
    const out = backend.makeOutput([g.batch, g.outHeight, g.outWidth, outChannels], 'float32');
    if (g.batch === 0 || perImage === 0) return out;
    const chunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_VALUES / (patch * perImage))));
    const col = backend.makeOutput([chunk * perImage, patch], 'float32');
    try {
      const imageBytes = g.inHeight * g.inWidth * inChannels * 4;
      const outImageBytes = perImage * outChannels * 4;
      for (let b0 = 0; b0 < g.batch; b0 += chunk) {
        const count = Math.min(chunk, g.batch - b0);
        const colStart = heapOffset(backend, col);
        const xs = heapOffset(backend, x) + b0 * imageBytes;
        im2colOnHeap(copy, xs, colStart, heapF32(backend, col), { ...g, batch: count });
        const outStart = heapOffset(backend, out) + b0 * outImageBytes;
        blockProduct(
          gemm,
          colStart,
          4,
          heapOffset(backend, filter),
          outStart,
          count * perImage,
          outChannels,
          patch,
          false,
        );
      }
    } finally {
      release(backend, col);
    }
    return out;
  };
}
