import * as tf from '@tensorflow/tfjs-core';
import { sumSimd } from './sum-simd.js';
import { heapF32, heapOffset, type KernelArgs, release, runKernel, wasmMemory } from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/**
 * A replacement for the wasm `Sum` kernel. For a sum over the leading axes (the bias gradient of
 * every dense and conv layer: `[batch, h, w, c]` summed to `[c]`) the wasm kernel first moves
 * the reduced axes innermost with a full transpose; here one pass adds the rows into float64
 * accumulators (so the result is at least as accurate as the cpu backend's): a SIMD pass where
 * the width is a multiple of 4, else a JavaScript loop. Every other sum goes to the original
 * kernel.
 */
export function makeSum(original: OriginalKernel) {
  return function sum(args: KernelArgs<{ x: tf.TensorInfo }, tf.SumAttrs>): tf.TensorInfo {
    const { backend, attrs } = args;
    const { x } = args.inputs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((axis, i) => axis === i);
    if (x.dtype !== 'float32' || !leading) {
      return runKernel(original, backend, { x }, attrs);
    }
    const rest = x.shape.slice(axes.length);
    const width = rest.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput(attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    const memory = wasmMemory(backend);
    const simd = memory === undefined || width % 4 !== 0 ? null : sumSimd(memory);
    const rows = width === 0 ? 0 : tf.util.sizeFromShape(x.shape) / width;
    if (simd !== null && rows > 0) {
      // float64 accumulators on the heap (two float32 slots each, one spare for 8-byte alignment)
      const scratch = backend.makeOutput([2 * width + 1], 'float32');
      try {
        const view = heapF32(backend, scratch);
        view.fill(0);
        const start = view.byteOffset + (view.byteOffset % 8);
        simd(heapOffset(backend, x), start, rows, width);
        heapF32(backend, out).set(new Float64Array(view.buffer, start, width));
      } finally {
        release(backend, scratch);
      }
      return out;
    }
    const data = heapF32(backend, x);
    const acc = new Float64Array(width);
    const n = data.length;
    const w = width;
    let row = 0;
    // Eight rows per pass: a third of the accumulator traffic of a row-by-row loop.
    for (; row + 8 * w <= n; row += 8 * w) {
      for (let c = 0; c < w; c++) {
        const i = row + c;
        acc[c] +=
          (data[i] as number) +
          (data[i + w] as number) +
          ((data[i + 2 * w] as number) + (data[i + 3 * w] as number)) +
          ((data[i + 4 * w] as number) + (data[i + 5 * w] as number)) +
          ((data[i + 6 * w] as number) + (data[i + 7 * w] as number));
      }
    }
    for (; row < n; row += w) {
      for (let c = 0; c < w; c++) acc[c] += data[row + c] as number;
    }
    heapF32(backend, out).set(acc);
    return out;
  };
}
