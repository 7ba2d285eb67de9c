import * as tf from '@tensorflow/tfjs-core';
import { type CopySimd, copyRows, copySimdFor } from './copy-simd.js';
import {
  heapOffset,
  type KernelArgs,
  release,
  reshapeInfo,
  runKernel,
  type WasmBackendLike,
} from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/** Dtypes whose values are 4 bytes: the ones these kernels move. */
function fourBytes(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

/** `shape` as `[outer, along, inner]` around `axis`. */
function around(shape: number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis] as number, inner];
}

/**
 * Cuts `x` into consecutive pieces of `sizes` along `axis` (each piece keeps the axis): one
 * strided copy per piece, for 4-byte dtypes. The caller owns the pieces.
 */
function cut(
  backend: WasmBackendLike,
  copy: CopySimd,
  x: tf.TensorInfo,
  axis: number,
  sizes: number[],
): tf.TensorInfo[] {
  const [outer, along, inner] = around(x.shape, axis);
  const src = heapOffset(backend, x);
  let begin = 0;
  return sizes.map((size) => {
    const shape = [...x.shape];
    shape[axis] = size;
    const out = backend.makeOutput(shape, x.dtype);
    const bytes = size * inner * 4;
    copyRows(copy, src + begin * inner * 4, heapOffset(backend, out), outer, along * inner * 4, bytes, bytes);
    begin += size;
    return out;
  });
}

/**
 * A replacement for the wasm `SplitV` kernel (an LSTM cell's four gates, every step), which
 * slices each piece with a general-purpose loop: for float32 and int32 each piece is one SIMD
 * strided copy. Other dtypes go to the original kernel.
 */
export function makeSplitV(original: OriginalKernel) {
  return function splitV(args: KernelArgs<{ x: tf.TensorInfo }, tf.SplitVAttrs>): tf.TensorInfo[] {
    const { backend, attrs } = args;
    const { x } = args.inputs;
    const copy = copySimdFor(backend);
    if (!fourBytes(x.dtype) || copy === null) {
      return original({ inputs: { x }, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo[];
    }
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    return cut(backend, copy, x, axis, sizes);
  };
}

/**
 * A replacement for the wasm `Unpack` kernel (`tf.unstack`: a sequence model's time steps): for
 * float32 and int32 each output is one SIMD strided copy. Other dtypes go to the original kernel.
 */
export function makeUnpack(original: OriginalKernel) {
  return function unpack(args: KernelArgs<{ value: tf.TensorInfo }, tf.UnpackAttrs>): tf.TensorInfo[] {
    const { backend, attrs } = args;
    const { value } = args.inputs;
    const copy = copySimdFor(backend);
    if (!fourBytes(value.dtype) || copy === null) {
      return original({ inputs: { value }, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo[];
    }
    const axis = tf.util.parseAxisParam(attrs.axis, value.shape)[0] as number;
    const count = value.shape[axis] as number;
    const pieces = cut(backend, copy, value, axis, new Array<number>(count).fill(1));
    const shape = value.shape.filter((_, i) => i !== axis);
    // Drop the axis: a reshape shares the data (the wasm backend keeps one buffer per dataId).
    return pieces.map((piece) => {
      const out = reshapeInfo(backend, piece, shape);
      release(backend, piece);
      return out;
    });
  };
}

/**
 * A replacement for the wasm `Concat` kernel (the gradients of an LSTM's split gates, every step):
 * for inputs of one 4-byte dtype each input is one SIMD strided copy into its place. Other
 * dtypes go to the original kernel.
 */
export function makeConcat(original: OriginalKernel) {
  return function concat(args: KernelArgs<tf.TensorInfo[], tf.ConcatAttrs>): tf.TensorInfo {
    const { backend, attrs } = args;
    const inputs = Array.from(args.inputs as ArrayLike<tf.TensorInfo>);
    const copy = copySimdFor(backend);
    const dtype = inputs[0]?.dtype;
    if (dtype === undefined || !fourBytes(dtype) || inputs.some((t) => t.dtype !== dtype) || copy === null) {
      return runKernel(original, backend, args.inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    const axis = tf.util.parseAxisParam(attrs.axis, inputs[0]?.shape as number[])[0] as number;
    const shape = tf.backend_util.computeOutShape(
      inputs.map((t) => t.shape),
      axis,
    );
    const out = backend.makeOutput(shape, dtype);
    const [outer, total, inner] = around(shape, axis);
    const dst = heapOffset(backend, out);
    let begin = 0;
    for (const t of inputs) {
      const along = tf.util.sizeFromShape(t.shape) === 0 ? 0 : (t.shape[axis] as number);
      const bytes = along * inner * 4;
      copyRows(copy, heapOffset(backend, t), dst + begin * inner * 4, outer, bytes, total * inner * 4, bytes);
      begin += along;
    }
    return out;
  };
}
