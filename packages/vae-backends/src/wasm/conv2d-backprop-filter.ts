import type * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, im2colOnHeap, im2colTransposed, toChannelsLast } from './conv-geometry.js';
import { copySimdFor } from './copy-simd.js';
import { blockProduct, gemmFor } from './gemm.js';
import type { MatMulFunc } from './mat-mul.js';
import { heapF32, heapOffset, type KernelArgs, release, reshapeInfo, type WasmBackendLike } from './wasm-internals.js';

/** Patch values gathered per product: small enough to stay in a core's cache. */
const CHUNK_VALUES = 1 << 19;

interface Conv2DBackpropFilterInputs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
}

/**
 * `dW = colᵀ · dy` on our SIMD block functions, which read `col` (`rows × patch`) as the
 * transposed left operand in place, a few images at a time (each chunk's product added to the
 * last), so that `col` stays in cache between the gather and the product; `dy` is read where it
 * is. `null` where the block functions cannot run or `outChannels` is not a multiple of 4.
 */
function simdFilterGradient(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  filterShape: number[],
): tf.TensorInfo | null {
  const gemm = gemmFor(backend, 4);
  const copy = copySimdFor(backend);
  if (gemm === null || copy === null || g.outChannels % 4 !== 0) return null;
  const perImage = g.outHeight * g.outWidth;
  const patch = g.filterHeight * g.filterWidth * g.inChannels;
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_VALUES / (patch * perImage))));
  const out = backend.makeOutput(filterShape, 'float32');
  const col = backend.makeOutput([chunk * perImage, patch], 'float32');
  try {
    const imageBytes = g.inHeight * g.inWidth * g.inChannels * 4;
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const count = Math.min(chunk, g.batch - b0);
      const xs = heapOffset(backend, x) + b0 * imageBytes;
      im2colOnHeap(copy, xs, heapOffset(backend, col), heapF32(backend, col), { ...g, batch: count });
      const dyStart = heapOffset(backend, dy) + b0 * perImage * g.outChannels * 4;
      const rows = count * perImage;
      const [colStart, outStart] = [heapOffset(backend, col), heapOffset(backend, out)];
      blockProduct(gemm, colStart, patch * 4, dyStart, outStart, patch, g.outChannels, rows, b0 > 0);
    }
  } finally {
    release(backend, col);
  }
  return out;
}

/**
 * `Conv2DBackpropFilter` for wasm (the filter gradient of conv2d, which the wasm backend lacks):
 * the input's patches gathered (im2col), then one matrix product with `dy`: on our SIMD block
 * functions where they run, else on the backend's fast untransposed matMul with the patches
 * gathered transposed. Output `[filterHeight, filterWidth, inChannels, outChannels]`.
 */
export function makeConv2DBackpropFilter(matMul: MatMulFunc) {
  return function conv2DBackpropFilter(
    args: KernelArgs<Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>,
  ): tf.TensorInfo {
    const { backend, attrs } = args;
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const x = channelsFirst ? toChannelsLast(backend, args.inputs.x) : args.inputs.x;
    const dy = channelsFirst ? toChannelsLast(backend, args.inputs.dy) : args.inputs.dy;
    try {
      const g = convGeometry(
        x.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
      );
      const simd = simdFilterGradient(backend, x, dy, g, [...attrs.filterShape]);
      if (simd !== null) return simd;
      const perImage = g.outHeight * g.outWidth;
      const patch = g.filterHeight * g.filterWidth * g.inChannels;
      // dW = colᵀ · dy, with colᵀ gathered directly (a transposed product is 10× slower on wasm),
      // a few images at a time so that colᵀ stays in cache between the gather and the product.
      const chunk = Math.max(1, Math.floor(CHUNK_VALUES / (patch * perImage)));
      if (chunk >= g.batch) {
        const rows = g.batch * perImage;
        const colT = backend.makeOutput([patch, rows], 'float32');
        im2colTransposed(heapF32(backend, x), heapF32(backend, colT), g);
        const dy2d = reshapeInfo(backend, dy, [rows, g.outChannels]);
        const product = matMul(backend, colT, dy2d);
        release(backend, colT, dy2d);
        const out = reshapeInfo(backend, product, [...attrs.filterShape]);
        release(backend, product);
        return out;
      }
      const out = backend.makeOutput([...attrs.filterShape], 'float32');
      heapF32(backend, out).fill(0);
      const imageSize = g.inHeight * g.inWidth * g.inChannels;
      for (let b0 = 0; b0 < g.batch; b0 += chunk) {
        const count = Math.min(chunk, g.batch - b0);
        const rows = count * perImage;
        const colT = backend.makeOutput([patch, rows], 'float32');
        const dyPart = backend.makeOutput([rows, g.outChannels], 'float32');
        const xs = heapF32(backend, x).subarray(b0 * imageSize, (b0 + count) * imageSize);
        im2colTransposed(xs, heapF32(backend, colT), { ...g, batch: count });
        const dyStart = b0 * perImage * g.outChannels;
        heapF32(backend, dyPart).set(heapF32(backend, dy).subarray(dyStart, dyStart + rows * g.outChannels));
        const product = matMul(backend, colT, dyPart);
        release(backend, colT, dyPart);
        const acc = heapF32(backend, out);
        const part = heapF32(backend, product);
        for (let i = 0; i < part.length; i++) acc[i] = (acc[i] as number) + (part[i] as number);
        release(backend, product);
      }
      return out;
    } finally {
      if (channelsFirst) release(backend, x, dy);
    }
  };
}
