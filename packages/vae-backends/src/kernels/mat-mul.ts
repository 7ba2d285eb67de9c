import type * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, release, runKernel, transposeLastTwo, type WasmBackendLike } from './wasm-internals.js';

/** An untransposed (batched) matrix product `a · b` on the wasm backend; the caller owns the result. */
export type MatMulFunc = (backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo;

type OriginalKernel = Parameters<typeof runKernel>[0];

/** Wraps the wasm backend's own BatchMatMul kernel as a plain `a · b`. */
export function untransposedMatMul(original: OriginalKernel): MatMulFunc {
  return (backend, a, b) => runKernel(original, backend, { a, b }, { transposeA: false, transposeB: false });
}

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * A replacement for the wasm `BatchMatMul` or `_FusedMatMul` kernel: a product with a transposed
 * operand (which the backward pass of every dense layer asks for) first transposes that operand
 * explicitly, then runs the backend's fast untransposed path; untransposed products go straight
 * through.
 */
export function makeTransposingMatMul(original: OriginalKernel) {
  return function matMul(args: KernelArgs<MatMulInputs, MatMulAttrs>): tf.TensorInfo {
    const { inputs, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB) {
      return runKernel(original, backend, inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    if (inputs.a.dtype !== 'float32' || inputs.b.dtype !== 'float32') {
      return runKernel(original, backend, inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    const a = attrs.transposeA ? transposeLastTwo(backend, inputs.a) : inputs.a;
    const b = attrs.transposeB ? transposeLastTwo(backend, inputs.b) : inputs.b;
    try {
      return runKernel(original, backend, { ...inputs, a, b } as unknown as tf.NamedTensorInfoMap, {
        ...attrs,
        transposeA: false,
        transposeB: false,
      });
    } finally {
      if (attrs.transposeA) release(backend, a);
      if (attrs.transposeB) release(backend, b);
    }
  };
}
