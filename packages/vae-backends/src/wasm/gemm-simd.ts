// Hand-assembled WebAssembly matrix-product kernels that work on the wasm backend's heap in place:
// `C = A · B` for B stored `K × N` row-major and A read with any strides (row-major `M × K`, or
// stored transposed as `K × M`), with no packing of either operand. Each function computes a
// block of `mr` rows of C (1 to 4) across `strips` strips of 8 (or one strip of 4) columns,
// holding the block in registers while it walks down K: per step it splats `mr` values of A, loads
// two vectors of B and does `2·mr` multiply-adds. The distance between A's rows is built into
// the code (as load offsets, so no register goes to it): one module per distance. With relaxed
// SIMD (`f32x4.relaxed_madd`, a fused multiply-add on CPUs that have one) a core does about
// 50 GFLOP/s here, against about 35 for the backend's own product, which also packs its right
// operand at every call; with plain SIMD the multiply and the add are separate instructions.
import {
  type AssembledFunction,
  addTo,
  assembleModule,
  BR_IF,
  decrement,
  ELSE,
  END,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_RELAXED_MADD,
  get,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_MUL,
  I32_NE,
  IF,
  i32,
  LOOP,
  moduleBytes,
  perMemory,
  set,
  V128,
  V128_ZERO,
  VOID,
  v128Load32SplatAt,
  v128LoadAt,
  v128StoreAt,
  whileNot,
} from './wasm-assembler.js';

/**
 * One block function: `(pa, sa, pb, sb, pc, ldc, k, strips, accumulate)`. Byte offsets of A's
 * first value in the block, B's first column and C's first value; `sa`, `sb` are the byte steps
 * between consecutive k of A and B, `ldc` C's row stride in bytes; `k ≥ 1`; `accumulate` (0 or
 * 1) adds to C instead of overwriting it. Row `i` of the block reads A at `pa + i × aRow + t × sa`,
 * `aRow` being the module's built-in row distance.
 */
export type GemmBlockFunc = (
  pa: number,
  sa: number,
  pb: number,
  sb: number,
  pc: number,
  ldc: number,
  k: number,
  strips: number,
  accumulate: number,
) => void;

/** The block functions, by rows (1 to 4): `wide[mr]` does strips of 8 columns, `narrow[mr]` one strip of 4. */
export interface GemmSimd {
  /** The byte distance between A's rows built into these functions. */
  readonly aRow: number;
  readonly wide: readonly GemmBlockFunc[];
  readonly narrow: readonly GemmBlockFunc[];
  /** Whether the functions use fused (relaxed SIMD) multiply-adds. */
  readonly fused: boolean;
}

/** The most rows of C one block function holds in registers (8 columns each: 8 accumulators). */
export const GEMM_ROWS = 4;

// Parameters, then locals.
const [PA, SA, PB, SB, PC, LDC, K, STRIPS, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [AEND, P, Q, CP] = [9, 10, 11, 12];
const ACC = 13;

/** Stores (or adds to C, then stores) the `mr × vectors` accumulators at `cp`, row by row. */
function storeBlock(mr: number, vectors: number, add: boolean): number[] {
  const code: number[] = [...get(PC), ...set(CP)];
  for (let i = 0; i < mr; i++) {
    for (let v = 0; v < vectors; v++) {
      const acc = ACC + i * vectors + v;
      code.push(...get(CP));
      if (add) code.push(...get(CP), ...v128LoadAt(16 * v), ...get(acc), ...F32X4_ADD);
      else code.push(...get(acc));
      code.push(...v128StoreAt(16 * v));
    }
    if (i < mr - 1) code.push(...get(CP), ...get(LDC), I32_ADD, ...set(CP));
  }
  return code;
}

function blockFunction(
  exportName: string,
  mr: number,
  vectors: number,
  fused: boolean,
  aRow: number,
): AssembledFunction {
  const accumulators = mr * vectors;
  const B0 = ACC + accumulators;
  const A = B0 + vectors;
  const step: number[] = [];
  for (let v = 0; v < vectors; v++) step.push(...get(Q), ...v128LoadAt(16 * v), ...set(B0 + v));
  for (let i = 0; i < mr; i++) {
    step.push(...get(P), ...v128Load32SplatAt(aRow * i), ...set(A));
    for (let v = 0; v < vectors; v++) {
      const acc = ACC + i * vectors + v;
      if (fused) step.push(...get(A), ...get(B0 + v), ...get(acc), ...F32X4_RELAXED_MADD, ...set(acc));
      else step.push(...get(acc), ...get(A), ...get(B0 + v), ...F32X4_MUL, ...F32X4_ADD, ...set(acc));
    }
  }
  // One strip: zero the accumulators, walk down K (do … while p ≠ aEnd), store or add to C.
  const strip = [
    ...Array.from({ length: accumulators }, (_, x) => [...V128_ZERO, ...set(ACC + x)]).flat(),
    ...get(PA),
    ...set(P),
    ...get(PB),
    ...set(Q),
    LOOP,
    VOID,
    ...step,
    ...addTo(P, get(SA)),
    ...addTo(Q, get(SB)),
    ...get(P),
    ...get(AEND),
    I32_NE,
    BR_IF,
    0,
    END,
    ...get(ACCUMULATE),
    IF,
    VOID,
    ...storeBlock(mr, vectors, true),
    ELSE,
    ...storeBlock(mr, vectors, false),
    END,
    // next strip
    ...addTo(PB, i32(16 * vectors)),
    ...addTo(PC, i32(16 * vectors)),
    ...decrement(STRIPS),
  ];
  // aEnd = pa + k × sa
  const body = [
    ...get(PA),
    ...get(K),
    ...get(SA),
    I32_MUL,
    I32_ADD,
    ...set(AEND),
    ...whileNot([...get(STRIPS), I32_EQZ], strip),
  ];
  return {
    exportName,
    params: new Array<number>(9).fill(I32),
    locals: [
      [4, I32],
      [accumulators + vectors + 1, V128],
    ],
    body,
  };
}

/** A module of one function that uses `f32x4.relaxed_madd`: valid only where relaxed SIMD is on. */
const RELAXED_PROBE = moduleBytes({
  exportName: 'probe',
  params: [V128, V128, V128],
  locals: [],
  body: [...get(0), ...get(1), ...get(2), ...F32X4_RELAXED_MADD, 0x1a /* drop */],
});

/** Whether this engine compiles WebAssembly relaxed SIMD (fused multiply-add) right now. */
export function relaxedSimdAvailable(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * The module's bytes, with fused or separate multiply-adds and A's rows `aRow` bytes apart,
 * importing a shared memory when `sharedMemory` is true.
 */
export function gemmModuleBytes(fused: boolean, aRow: number, sharedMemory = false): Uint8Array<ArrayBuffer> {
  const fns: AssembledFunction[] = [];
  for (let mr = 1; mr <= GEMM_ROWS; mr++) {
    fns.push(blockFunction(`wide${mr}`, mr, 2, fused, aRow), blockFunction(`narrow${mr}`, mr, 1, fused, aRow));
  }
  return assembleModule(fns, sharedMemory);
}

/** The most distinct row distances kept per memory (a training run uses a handful). */
const MODULES_PER_MEMORY = 64;

/**
 * The block functions bound to a wasm memory, with A's rows `aRow` bytes apart (4 for A stored
 * transposed), or `null` where they cannot run (no wasm SIMD, or too many distinct row distances
 * already); the memory may be shared between threads; built once per memory and distance, with fused multiply-adds
 * when relaxed SIMD is available at that moment.
 */
export function gemmSimd(memory: WebAssembly.Memory, aRow: number): GemmSimd | null {
  let modules = cache.get(memory);
  if (modules === undefined) {
    modules = new Map();
    cache.set(memory, modules);
  }
  const known = modules.get(aRow);
  if (known !== undefined) return known;
  if (modules.size >= MODULES_PER_MEMORY) return null;
  const fused = relaxedSimdAvailable();
  const bind = perMemory<GemmSimd>(
    (shared) => gemmModuleBytes(fused, aRow, shared),
    (exports) => {
      const pick = (prefix: string) =>
        Array.from({ length: GEMM_ROWS + 1 }, (_, mr) => exports[`${prefix}${mr}`] as GemmBlockFunc);
      return { aRow, wide: pick('wide'), narrow: pick('narrow'), fused };
    },
  );
  const kernels = bind(memory);
  modules.set(aRow, kernels);
  return kernels;
}

const cache = new WeakMap<WebAssembly.Memory, Map<number, GemmSimd | null>>();
