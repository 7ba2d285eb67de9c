import type * as tf from '@tensorflow/tfjs-core';
import { simdMatMul } from './gemm.js';
import {
  type KernelArgs,
  release,
  runKernel,
  transposeLastTwo,
  type WasmBackendLike,
  wasmKernel,
} from './wasm-internals.js';

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
 * Relative costs per element (measured on wasm, one core): the fast product packs its right
 * operand into its own layout each time that operand is a new tensor (about 4× a transpose), while
 * the left operand is read in place.
 */
const PACK_COST = 4;
const TRANSPOSE_COST = 1;

/**
 * Whether `a · bᵀ` is cheaper as `(b · aᵀ)ᵀ` (or `aᵀ · b` as `(bᵀ · a)ᵀ`): the big operand (a
 * layer's weights) then goes unpacked and untransposed on the left, and only the small one
 * (the batch) is transposed and packed, at the price of transposing the output.
 */
function swapIsCheaper(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean): boolean {
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  // Untransposed sizes of the product: m × k times k × n.
  const m = transposeA ? aCols : aRows;
  const n = transposeA ? bCols : bRows;
  const k = transposeA ? aRows : aCols;
  const transposedSide = transposeA ? m * k : n * k;
  const direct = TRANSPOSE_COST * transposedSide + PACK_COST * k * n;
  const swapped =
    (transposeA ? TRANSPOSE_COST * k * n : TRANSPOSE_COST * m * k) + PACK_COST * m * k + TRANSPOSE_COST * m * n;
  return swapped < direct;
}

/** Relative cost per output element of a bias add or an activation run as a kernel of its own. */
const EPILOGUE_COST = 1;

/**
 * Whether an untransposed `a · b` is cheaper as `(bᵀ · aᵀ)ᵀ`: true for a small batch times big
 * weights (a dense layer's forward pass), where packing the weights, which change at every
 * training step, costs more than transposing them, the batch and the output. `epilogues` counts
 * the bias add and activation that then run as kernels of their own.
 */
function untransposedSwapIsCheaper(a: tf.TensorInfo, b: tf.TensorInfo, epilogues: number): boolean {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] as number;
  const direct = PACK_COST * k * n;
  const swapped =
    TRANSPOSE_COST * k * n +
    (TRANSPOSE_COST + PACK_COST) * m * k +
    (TRANSPOSE_COST + epilogues * EPILOGUE_COST) * m * n;
  return swapped < direct;
}

/** Same rank and same leading (batch) dimensions: no broadcasting for the swapped product to get wrong. */
function sameBatch(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
}

/**
 * `(left · right)ᵀ`, through the original kernel without bias or activation (the fused kernel
 * reads `activation`; the plain one ignores it). The caller keeps `left` and `right`.
 */
function transposedProduct(
  original: OriginalKernel,
  backend: WasmBackendLike,
  left: tf.TensorInfo,
  right: tf.TensorInfo,
): tf.TensorInfo {
  const product = runKernel(
    original,
    backend,
    { a: left, b: right },
    { transposeA: false, transposeB: false, activation: 'linear' },
  );
  try {
    return transposeLastTwo(backend, product);
  } finally {
    release(backend, product);
  }
}

/**
 * `(bᵀ · aᵀ)ᵀ`, then the fused epilogue of `_FusedMatMul` (bias, then `relu`) as kernels of
 * their own; equal to `a · b` (+ bias, activation).
 */
function swappedUntransposed(
  original: OriginalKernel,
  backend: WasmBackendLike,
  inputs: MatMulInputs,
  activation: 'linear' | 'relu',
): tf.TensorInfo {
  const left = transposeLastTwo(backend, inputs.b);
  const right = transposeLastTwo(backend, inputs.a);
  let out: tf.TensorInfo;
  try {
    out = transposedProduct(original, backend, left, right);
  } finally {
    release(backend, left, right);
  }
  return epilogue(backend, out, inputs.bias, activation);
}

/**
 * A fused kernel's epilogue (bias, then `relu`) as kernels of their own, for `_FusedMatMul` and
 * `FusedConv2D`; consumes `product`.
 */
export function epilogue(
  backend: WasmBackendLike,
  product: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  activation: 'linear' | 'relu',
): tf.TensorInfo {
  let out = product;
  if (bias !== undefined) {
    const biased = runKernel(wasmKernel('Add'), backend, { a: out, b: bias });
    release(backend, out);
    out = biased;
  }
  if (activation === 'relu') {
    const activated = runKernel(wasmKernel('Relu'), backend, { x: out });
    release(backend, out);
    out = activated;
  }
  return out;
}

/**
 * A replacement for the wasm `BatchMatMul` or `_FusedMatMul` kernel. A float32 product whose
 * output width is a multiple of 4 (with no activation, or `relu`) runs on our SIMD block
 * functions ({@link simdMatMul}), which read both operands in place (after at most one transpose
 * each) and use fused multiply-adds where relaxed SIMD is on; the bias and activation then run as
 * kernels of their own. Other products keep the earlier formulations: a product with a transposed
 * operand (which the backward pass of every dense layer asks for) runs on the backend's fast
 * untransposed path, either after transposing that operand explicitly or, when cheaper (a small
 * batch times big weights: `dy · Wᵀ`), as the transpose of the product with the operands swapped,
 * so that the weights are neither transposed nor packed. An untransposed product of a small
 * batch and big weights (a dense layer's forward pass) runs as `(bᵀ · aᵀ)ᵀ` for the same reason;
 * other untransposed products go straight through.
 */
export function makeTransposingMatMul(original: OriginalKernel) {
  return function matMul(args: KernelArgs<MatMulInputs, MatMulAttrs>): tf.TensorInfo {
    const { inputs, backend, attrs } = args;
    if (inputs.a.dtype !== 'float32' || inputs.b.dtype !== 'float32') {
      return runKernel(original, backend, inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    const fusedActivation = (attrs as { activation?: string }).activation ?? 'linear';
    if ((fusedActivation === 'linear' || fusedActivation === 'relu') && inputs.preluActivationWeights === undefined) {
      const product = simdMatMul(backend, inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
      if (product !== null) return epilogue(backend, product, inputs.bias, fusedActivation);
    }
    if (!attrs.transposeA && !attrs.transposeB) {
      const activation = fusedActivation;
      const epilogues = (inputs.bias === undefined ? 0 : 1) + (activation === 'linear' ? 0 : 1);
      if (
        (activation === 'linear' || activation === 'relu') &&
        inputs.preluActivationWeights === undefined &&
        sameBatch(inputs.a, inputs.b) &&
        untransposedSwapIsCheaper(inputs.a, inputs.b, epilogues)
      ) {
        return swappedUntransposed(original, backend, inputs, activation);
      }
      return runKernel(original, backend, inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    const plain =
      inputs.bias === undefined &&
      inputs.preluActivationWeights === undefined &&
      ((attrs as { activation?: string }).activation ?? 'linear') === 'linear';
    if (plain && attrs.transposeA !== attrs.transposeB && swapIsCheaper(inputs.a, inputs.b, attrs.transposeA)) {
      // a · bᵀ = (b · aᵀ)ᵀ and aᵀ · b = (bᵀ · a)ᵀ
      const left = attrs.transposeA ? transposeLastTwo(backend, inputs.b) : inputs.b;
      const right = attrs.transposeA ? inputs.a : transposeLastTwo(backend, inputs.a);
      try {
        return transposedProduct(original, backend, left, right);
      } finally {
        release(backend, attrs.transposeA ? left : right);
      }
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
