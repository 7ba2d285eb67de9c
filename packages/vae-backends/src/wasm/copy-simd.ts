// Hand-assembled WebAssembly strided copies on the wasm backend's heap: the data movement of
// im2col (the patches of a conv input, gathered for a conv's products), of the sub-pixel
// transposed convolution's scatter, and the tap sums of a conv with few output channels. Plain
// JavaScript moves a float32 in 1 to 3 ns here; these move four per instruction, or one without
// JavaScript's conversions.
import {
  type AssembledFunction,
  addTo,
  decrement,
  F32X4_ADD,
  get,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_GE_U,
  i32,
  moduleBytes,
  perMemory,
  set,
  V128_LOAD,
  V128_STORE,
  whileNot,
} from './wasm-assembler.js';
import { type WasmBackendLike, wasmMemory } from './wasm-internals.js';

/**
 * `copy(src, dst, rows, srcStep, dstStep, bytes)`: copies `rows` runs of `bytes` bytes from
 * `src + r × srcStep` to `dst + r × dstStep` (byte offsets). The wide version needs `bytes` to be
 * a multiple of 16, the narrow one a multiple of 4.
 */
export type CopyRowsFunc = (
  src: number,
  dst: number,
  rows: number,
  srcStep: number,
  dstStep: number,
  bytes: number,
) => void;

/**
 * `addStrided(src, dst, count, srcStep, dstStep)`: `dst[i × dstStep] += src[i × srcStep]` for
 * `i < count`, one float32 at a time (byte offsets and steps).
 */
export type AddStridedFunc = (src: number, dst: number, count: number, srcStep: number, dstStep: number) => void;

/** The copies bound to one memory. */
export interface CopySimd {
  readonly wide: CopyRowsFunc;
  readonly narrow: CopyRowsFunc;
  /** Like `wide`, adding each row into the destination instead of overwriting it. */
  readonly addWide: CopyRowsFunc;
  /** Like `narrow`, adding each row into the destination instead of overwriting it. */
  readonly addNarrow: CopyRowsFunc;
  readonly addStrided: AddStridedFunc;
}

const [SRC, DST, ROWS, SRC_STEP, DST_STEP, BYTES] = [0, 1, 2, 3, 4, 5];
const I = 6;
const F32_LOAD = [0x2a, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const F32_ADD = 0x92;

/** `addStrided`: its parameters are `src, dst, count, srcStep, dstStep`. */
function addStridedFunction(): AssembledFunction {
  const [src, dst, count, srcStep, dstStep] = [0, 1, 2, 3, 4];
  return {
    exportName: 'addStrided',
    params: new Array<number>(5).fill(I32),
    locals: [],
    body: whileNot(
      [...get(count), I32_EQZ],
      [
        // *dst = *dst + *src
        ...get(dst),
        ...get(dst),
        ...F32_LOAD,
        ...get(src),
        ...F32_LOAD,
        F32_ADD,
        ...F32_STORE,
        ...addTo(src, get(srcStep)),
        ...addTo(dst, get(dstStep)),
        ...decrement(count),
      ],
    ),
  };
}

/** Copies (or, with `add`, adds into the destination) rows of `unit`-byte pieces. */
function copyFunction(exportName: string, unit: number, add = false): AssembledFunction {
  const [load, store] = unit === 16 ? [V128_LOAD, V128_STORE] : [F32_LOAD, F32_STORE];
  const plus = unit === 16 ? F32X4_ADD : [F32_ADD];
  const at = (base: number) => [...get(base), ...get(I), I32_ADD];
  // dst[i] = src[i] (or dst[i] + src[i]) for i < bytes, `unit` bytes at a time
  const value = add ? [...at(DST), ...load, ...at(SRC), ...load, ...plus] : [...at(SRC), ...load];
  const row = whileNot([...get(I), ...get(BYTES), I32_GE_U], [...at(DST), ...value, ...store, ...addTo(I, i32(unit))]);
  return {
    exportName,
    params: new Array<number>(6).fill(I32),
    locals: [[1, I32]],
    body: whileNot(
      [...get(ROWS), I32_EQZ],
      [...i32(0), ...set(I), ...row, ...addTo(SRC, get(SRC_STEP)), ...addTo(DST, get(DST_STEP)), ...decrement(ROWS)],
    ),
  };
}

/** The module's bytes: imports `env.memory`, exports `wide`, `narrow`, `addStrided`, `addWide` and `addNarrow`. */
export function copyModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes(
    copyFunction('wide', 16),
    copyFunction('narrow', 4),
    addStridedFunction(),
    copyFunction('addWide', 16, true),
    copyFunction('addNarrow', 4, true),
  );
}

/** The copies bound to a wasm memory, or `null` where they cannot run; built once per memory. */
export const copySimd = perMemory<CopySimd>(copyModuleBytes, (exports) => ({
  wide: exports.wide as CopyRowsFunc,
  narrow: exports.narrow as CopyRowsFunc,
  addStrided: exports.addStrided as AddStridedFunc,
  addWide: exports.addWide as CopyRowsFunc,
  addNarrow: exports.addNarrow as CopyRowsFunc,
}));

/**
 * Copies (or, with `add`, adds) `rows` runs of `bytes` bytes from `src + r × srcStep` to
 * `dst + r × dstStep` (byte offsets; `bytes` a multiple of 4): 16 bytes per instruction where
 * `bytes` allows it.
 */
export function copyRows(
  copy: CopySimd,
  src: number,
  dst: number,
  rows: number,
  srcStep: number,
  dstStep: number,
  bytes: number,
  add = false,
): void {
  if (rows === 0 || bytes === 0) return;
  const wide = bytes % 16 === 0;
  const run = add ? (wide ? copy.addWide : copy.addNarrow) : wide ? copy.wide : copy.narrow;
  run(src, dst, rows, srcStep, dstStep, bytes);
}

/** The copies bound to a wasm backend's memory, or `null` where they cannot run. */
export function copySimdFor(backend: WasmBackendLike): CopySimd | null {
  const memory = wasmMemory(backend);
  return memory === undefined ? null : copySimd(memory);
}
