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
  assembleModule,
  I32,
  i32,
  many,
  op,
  perMemory,
  relaxedSimdAvailable,
  V128,
  V128_ZERO,
  VOID,
  v128Load32SplatAt,
  v128LoadAt,
  v128StoreAt,
  type WasmFunction,
  wasmFunction,
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

/** Stores (or adds to C, then stores) the `mr × vectors` accumulators at `cp`, row by row. */
function storeBlock(
  fn: WasmFunction<'pc' | 'cp' | 'ldc' | 'acc'>,
  mr: number,
  vectors: number,
  add: boolean,
): number[] {
  const { get, set } = fn;
  const code: number[] = [...get('pc'), ...set('cp')];
  for (let i = 0; i < mr; i++) {
    for (let v = 0; v < vectors; v++) {
      const acc = i * vectors + v;
      code.push(...get('cp'));
      if (add) code.push(...get('cp'), ...v128LoadAt(16 * v), ...get('acc', acc), ...op.f32x4Add);
      else code.push(...get('acc', acc));
      code.push(...v128StoreAt(16 * v));
    }
    if (i < mr - 1) code.push(...get('cp'), ...get('ldc'), ...op.i32Add, ...set('cp'));
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
  const fn = wasmFunction(exportName, {
    params: { pa: I32, sa: I32, pb: I32, sb: I32, pc: I32, ldc: I32, k: I32, strips: I32, accumulate: I32 },
    // acc: the block's accumulators; b: a step's vectors of B; a: a step's value of A, splatted.
    locals: { aEnd: I32, p: I32, q: I32, cp: I32, acc: many(V128, accumulators), b: many(V128, vectors), a: V128 },
  });
  const { get, set, addTo, decrement } = fn;
  const step: number[] = [];
  for (let v = 0; v < vectors; v++) step.push(...get('q'), ...v128LoadAt(16 * v), ...set('b', v));
  for (let i = 0; i < mr; i++) {
    step.push(...get('p'), ...v128Load32SplatAt(aRow * i), ...set('a'));
    for (let v = 0; v < vectors; v++) {
      const acc = i * vectors + v;
      if (fused) {
        step.push(...get('a'), ...get('b', v), ...get('acc', acc), ...op.f32x4RelaxedMadd, ...set('acc', acc));
      } else {
        step.push(...get('acc', acc), ...get('a'), ...get('b', v), ...op.f32x4Mul, ...op.f32x4Add, ...set('acc', acc));
      }
    }
  }
  // One strip: zero the accumulators, walk down K (do … while p ≠ aEnd), store or add to C.
  const strip = [
    ...Array.from({ length: accumulators }, (_, x) => [...V128_ZERO, ...set('acc', x)]).flat(),
    ...get('pa'),
    ...set('p'),
    ...get('pb'),
    ...set('q'),
    ...op.loop,
    VOID,
    ...step,
    ...addTo('p', get('sa')),
    ...addTo('q', get('sb')),
    ...get('p'),
    ...get('aEnd'),
    ...op.i32Ne,
    ...op.brIf,
    0,
    ...op.end,
    ...get('accumulate'),
    ...op.if,
    VOID,
    ...storeBlock(fn, mr, vectors, true),
    ...op.else,
    ...storeBlock(fn, mr, vectors, false),
    ...op.end,
    // next strip
    ...addTo('pb', i32(16 * vectors)),
    ...addTo('pc', i32(16 * vectors)),
    ...decrement('strips'),
  ];
  // aEnd = pa + k × sa
  return fn.assemble([
    ...get('pa'),
    ...get('k'),
    ...get('sa'),
    ...op.i32Mul,
    ...op.i32Add,
    ...set('aEnd'),
    ...whileNot([...get('strips'), ...op.i32Eqz], strip),
  ]);
}

// The product's callers ask here whether it will be fused; the probe lives with the assembler.
export { relaxedSimdAvailable };

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
    `gemm-simd (A's rows ${aRow} bytes apart, ${fused ? 'fused' : 'separate'} multiply-adds)`,
    (shared) => gemmModuleBytes(fused, aRow, shared),
    (exports) => {
      const pick = (prefix: string) =>
        Array.from({ length: GEMM_ROWS + 1 }, (_, mr) => exports[`${prefix}${mr}`] as GemmBlockFunc);
      return { aRow, wide: pick('wide'), narrow: pick('narrow'), fused };
    },
    { relaxedSimd: fused },
  );
  const kernels = bind(memory);
  modules.set(aRow, kernels);
  return kernels;
}

const cache = new WeakMap<WebAssembly.Memory, Map<number, GemmSimd | null>>();
