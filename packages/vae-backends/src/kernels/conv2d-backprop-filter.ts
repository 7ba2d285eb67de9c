import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, im2col, toChannelsLast } from './conv-geometry.js';
import type { MatMulFunc } from './mat-mul.js';
import { heapF32, type KernelArgs, release, reshapeInfo, transposeLastTwo } from './wasm-internals.js';

interface Conv2DBackpropFilterInputs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
}

/**
 * `Conv2DBackpropFilter` for wasm (the filter gradient of conv2d, which the wasm backend lacks):
 * the input's patches gathered once (im2col), then one matrix product with `dy` on the backend's
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
      const col = backend.makeOutput([rows, patch], 'float32');
      im2col(heapF32(backend, x), heapF32(backend, col), g);
      // dW = colᵀ · dy: transposing col costs one pass over it, far less than a transposed product.
      const colT = transposeLastTwo(backend, col);
      release(backend, col);
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
