import type * as tf from '@tensorflow/tfjs-core';
import { col2im, convGeometry, toChannelsFirst, toChannelsLast } from './conv-geometry.js';
import type { MatMulFunc } from './mat-mul.js';
import { heapF32, type KernelArgs, release, reshapeInfo, transposeLastTwo } from './wasm-internals.js';

interface Conv2DBackpropInputInputs {
  dy: tf.TensorInfo;
  filter: tf.TensorInfo;
}

/**
 * `Conv2DBackpropInput` for wasm (conv2d's input gradient, and the forward pass of
 * conv2dTranspose): one matrix product `dy · filterᵀ` on the backend's fast untransposed matMul,
 * then a col2im scatter of the patches back into the input. Output `inputShape`.
 */
export function makeConv2DBackpropInput(matMul: MatMulFunc) {
  return function conv2DBackpropInput(
    args: KernelArgs<Conv2DBackpropInputInputs, tf.Conv2DBackpropInputAttrs>,
  ): tf.TensorInfo {
    const { backend, attrs } = args;
    const { filter } = args.inputs;
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const dy = channelsFirst ? toChannelsLast(backend, args.inputs.dy) : args.inputs.dy;
    const s = attrs.inputShape;
    const inShape: [number, number, number, number] = channelsFirst ? [s[0], s[2], s[3], s[1]] : [...s];
    try {
      const g = convGeometry(
        inShape,
        filter.shape as [number, number, number, number],
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
      );
      const rows = g.batch * g.outHeight * g.outWidth;
      const patch = g.filterHeight * g.filterWidth * g.inChannels;
      const filter2d = reshapeInfo(backend, filter, [patch, g.outChannels]);
      const filterT = transposeLastTwo(backend, filter2d);
      release(backend, filter2d);
      const dy2d = reshapeInfo(backend, dy, [rows, g.outChannels]);
      const col = matMul(backend, dy2d, filterT);
      release(backend, dy2d, filterT);
      const dx = backend.makeOutput(inShape, 'float32');
      const dxData = heapF32(backend, dx);
      dxData.fill(0);
      col2im(heapF32(backend, col), dxData, g);
      release(backend, col);
      if (!channelsFirst) return dx;
      const out = toChannelsFirst(backend, dx);
      release(backend, dx);
      return out;
    } finally {
      if (channelsFirst) release(backend, dy);
    }
  };
}
