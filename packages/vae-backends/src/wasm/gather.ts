import * as tf from '@tensorflow/tfjs-core';
import { heapView, type KernelArgs, runKernel } from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/**
 * A replacement for the wasm `GatherV2` kernel. Picking whole rows (`axis` 0, no batch dims), as
 * a shuffled training batch does, becomes one contiguous copy per index on the wasm heap; the
 * wasm kernel computes every element's offset and runs about four times slower for an MNIST
 * batch. Indices out of range, other axes and other dtypes go to the original kernel, so its
 * checks and errors stay the same.
 */
export function makeRowGather(original: OriginalKernel) {
  return function gatherV2(
    args: KernelArgs<{ x: tf.TensorInfo; indices: tf.TensorInfo }, tf.GatherV2Attrs>,
  ): tf.TensorInfo {
    const { backend, attrs } = args;
    const { x, indices } = args.inputs;
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const rows = x.shape[0] ?? 0;
    const plain =
      axis === 0 &&
      (attrs.batchDims ?? 0) === 0 &&
      (x.dtype === 'float32' || x.dtype === 'int32') &&
      indices.dtype === 'int32' &&
      x.shape.length >= 1;
    if (!plain) return runKernel(original, backend, { x, indices }, attrs);
    const index = heapView(backend, indices) as Int32Array;
    for (let i = 0; i < index.length; i++) {
      const r = index[i] as number;
      if (r < 0 || r >= rows) return runKernel(original, backend, { x, indices }, attrs);
    }
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views of the heap are taken after the last allocation (growing the heap detaches them).
    const src = heapView(backend, x) as Float32Array | Int32Array;
    const dst = heapView(backend, out) as Float32Array | Int32Array;
    const picked = heapView(backend, indices) as Int32Array;
    for (let i = 0; i < picked.length; i++) {
      const r = picked[i] as number;
      dst.set(src.subarray(r * width, (r + 1) * width), i * width);
    }
    return out;
  };
}
