import type * as tf from '@tensorflow/tfjs-core';
import { convGeometry, toChannelsFirst, toChannelsLast } from './conv-geometry.js';
import { subPixelBackpropInput } from './sub-pixel.js';
import { type KernelArgs, release } from './wasm-internals.js';

interface Conv2DBackpropInputInputs {
  dy: tf.TensorInfo;
  filter: tf.TensorInfo;
}

/**
 * `Conv2DBackpropInput` for wasm (conv2d's input gradient, and the forward pass of
 * conv2dTranspose), replacing the backend's slow direct loop: one stride-1 convolution per
 * residue class of the stride on the backend's fast Conv2D, interleaved into the input
 * ({@link subPixelBackpropInput}). Output `inputShape`.
 */
export function makeConv2DBackpropInput() {
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
      const dx = subPixelBackpropInput(backend, dy, filter, g);
      if (!channelsFirst) return dx;
      const out = toChannelsFirst(backend, dx);
      release(backend, dx);
      return out;
    } finally {
      if (channelsFirst) release(backend, dy);
    }
  };
}
