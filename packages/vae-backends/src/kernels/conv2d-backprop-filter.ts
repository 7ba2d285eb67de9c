import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, im2colTransposed, toChannelsLast } from './conv-geometry.js';
import type { MatMulFunc } from './mat-mul.js';
import { heapF32, type KernelArgs, release, reshapeInfo } from './wasm-internals.js';

/** Patch values gathered per product: small enough to stay in a core's cache. */
const CHUNK_VALUES = 1 << 19;

interface Conv2DBackpropFilterInputs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
}

/**
 * `Conv2DBackpropFilter` for wasm (the filter gradient of conv2d, which the wasm backend lacks):
 * the input's patches gathered once, transposed (im2col), then one matrix product with `dy` on the backend's
 * fast untransposed matMul. Output `[filterHeight, filterWidth, inChannels, outChannels]`.
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
