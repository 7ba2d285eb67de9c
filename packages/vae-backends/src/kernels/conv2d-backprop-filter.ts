import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, im2colTransposed, toChannelsLast } from './conv-geometry.js';
import type { MatMulFunc } from './mat-mul.js';
import { heapF32, type KernelArgs, release, reshapeInfo } from './wasm-internals.js';

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
      const rows = g.batch * g.outHeight * g.outWidth;
      const patch = g.filterHeight * g.filterWidth * g.inChannels;
      // dW = colᵀ · dy, with colᵀ gathered directly (a transposed product is 10× slower on wasm).
      const colT = backend.makeOutput([patch, rows], 'float32');
      im2colTransposed(heapF32(backend, x), heapF32(backend, colT), g);
      const dy2d = reshapeInfo(backend, dy, [rows, g.outChannels]);
      const product = matMul(backend, colT, dy2d);
      release(backend, colT, dy2d);
      const out = reshapeInfo(backend, product, [...attrs.filterShape]);
      release(backend, product);
      return out;
    } finally {
      if (channelsFirst) release(backend, x, dy);
    }
  };
}
