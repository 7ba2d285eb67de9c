import type * as tf from '@tensorflow/tfjs-core';
import { GEMM_ROWS, type GemmSimd, gemmSimd } from './gemm-simd.js';
import { heapOffset, release, transposeLastTwo, type WasmBackendLike, wasmMemory } from './wasm-internals.js';

/**
 * The depth of one pass over K: the rows `k0 … k0 + KC` of A and B then stay in a core's L1
 * cache while every block of C walks over them, and each block's partial sums are added to C
 * between passes. Measured on products of 9 to 784 rows and 32 to 784 columns, 64 beats longer
 * passes everywhere (by up to 10× for a long K: a conv filter gradient's 100,000 pixels).
 */
const KC = 64;

/**
 * Our SIMD block functions for this backend's memory, reading A's rows `aRow` bytes apart (4: A
 * stored transposed), or `null` where they cannot run.
 */
export function gemmFor(backend: WasmBackendLike, aRow: number): GemmSimd | null {
  const memory = wasmMemory(backend);
  return memory === undefined ? null : gemmSimd(memory, aRow);
}

/**
 * `C (+)= A · B` on the heap: A `m × k` with element `(i, t)` at byte `a + i × gemm.aRow + t ×
 * aStep` (row-major: `aRow = 4k`, `aStep = 4`; stored transposed: `aRow = 4`, `aStep = 4m`), B
 * stored `k × n` (`n` a multiple of 4), C `m × n`, row-major float32 at the given byte offsets,
 * their rows `ldb` and `ldc` bytes apart (`4n` unless given). `accumulate` adds to C.
 */
export function blockProduct(
  gemm: GemmSimd,
  a: number,
  aStep: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
  ldb = 4 * n,
  ldc = 4 * n,
): void {
  const strips = Math.floor(n / 8);
  const narrow = n % 8 !== 0;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const depth = Math.min(KC, k - k0);
    const add = accumulate || k0 > 0 ? 1 : 0;
    const aRows = a + k0 * aStep;
    const bRows = b + k0 * ldb;
    for (let i0 = 0; i0 < m; i0 += GEMM_ROWS) {
      const mr = Math.min(GEMM_ROWS, m - i0);
      const pa = aRows + i0 * gemm.aRow;
      const pc = c + i0 * ldc;
      if (strips > 0) gemm.wide[mr]?.(pa, aStep, bRows, ldb, pc, ldc, depth, strips, add);
      if (narrow) gemm.narrow[mr]?.(pa, aStep, bRows + strips * 32, ldb, pc + strips * 32, ldc, depth, 1, add);
    }
  }
}

function sameBatch(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
}

/**
 * `op(a) · op(b)` (each operand optionally transposed, as `BatchMatMul`'s attributes say) on our
 * SIMD block functions, or `null` when they do not apply: not float32, broadcast batch
 * dimensions, an output width that is not a multiple of 4, an empty operand, or no wasm SIMD. A
 * is read in place either way; a transposed B is transposed back first (SIMD 4×4 blocks, see the
 * Transpose kernel). The caller owns the result.
 */
export function simdMatMul(
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || !sameBatch(a, b)) return null;
  const rank = a.shape.length;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if (m === 0 || n === 0 || k === 0 || n % 4 !== 0 || (transposeB ? bCols : bRows) !== k) return null;
  if (transposeB && !transposeA && m % 4 === 0 && m * k + m * n < n * k) {
    // a · bᵀ = (b · aᵀ)ᵀ: a small batch times big weights (a dense layer's input gradient, dy · Wᵀ)
    // then transposes the batch and the output instead of the weights.
    const swapped = swappedProduct(backend, a, b);
    if (swapped !== null) return swapped;
  }
  // A stored k × m (transposed) or m × k; the functions read B as k × n.
  const gemm = gemmFor(backend, transposeA ? 4 : 4 * k);
  if (gemm === null) return null;
  const aStep = transposeA ? 4 * m : 4;
  const bN = transposeB ? transposeLastTwo(backend, b) : b;
  try {
    const out = backend.makeOutput([...a.shape.slice(0, rank - 2), m, n], 'float32');
    const batches = a.shape.slice(0, rank - 2).reduce((x, y) => x * y, 1);
    const [aOff, bOff, cOff] = [heapOffset(backend, a), heapOffset(backend, bN), heapOffset(backend, out)];
    for (let i = 0; i < batches; i++) {
      blockProduct(gemm, aOff + i * k * m * 4, aStep, bOff + i * k * n * 4, cOff + i * m * n * 4, m, n, k, false);
    }
    return out;
  } finally {
    if (transposeB) release(backend, bN);
  }
}

/** `(b · aᵀ)ᵀ` on the block functions (b read row-major in place), or `null` where they do not apply. */
function swappedProduct(backend: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const aT = transposeLastTwo(backend, a);
  try {
    const product = simdMatMul(backend, b, aT, false, false);
    if (product === null) return null;
    try {
      return transposeLastTwo(backend, product);
    } finally {
      release(backend, product);
    }
  } finally {
    release(backend, aT);
  }
}
