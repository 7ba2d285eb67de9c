// Hand-assembled WebAssembly strided copies on the wasm backend's heap: the data movement of
// im2col (the patches of a conv input, gathered for a conv's products), of the sub-pixel
// transposed convolution's scatter, and the tap sums of a conv with few output channels. Plain
// JavaScript moves a float32 in 1 to 3 ns here; these move four per instruction, or one without
// JavaScript's conversions.
import {
  type AssembledFunction,
  I32,
  i32,
  memarg,
  moduleBytes,
  op,
  perMemory,
  V128_LOAD,
  V128_STORE,
  wasmFunction,
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

/** `f32.load` and `f32.store` with a 4-byte alignment hint, no offset. */
const F32_LOAD = [...op.f32Load, ...memarg(2)];
const F32_STORE = [...op.f32Store, ...memarg(2)];

/** `addStrided`: its parameters are `src, dst, count, srcStep, dstStep`. */
function addStridedFunction(): AssembledFunction {
  const fn = wasmFunction('addStrided', {
    params: { src: I32, dst: I32, count: I32, srcStep: I32, dstStep: I32 },
  });
  const { get, addTo, decrement } = fn;
  return fn.assemble(
    whileNot(
      [...get('count'), ...op.i32Eqz],
      [
        // *dst = *dst + *src
        ...get('dst'),
        ...get('dst'),
        ...F32_LOAD,
        ...get('src'),
        ...F32_LOAD,
        ...op.f32Add,
        ...F32_STORE,
        ...addTo('src', get('srcStep')),
        ...addTo('dst', get('dstStep')),
        ...decrement('count'),
      ],
    ),
  );
}

/** Copies (or, with `add`, adds into the destination) rows of `unit`-byte pieces. */
function copyFunction(exportName: string, unit: number, add = false): AssembledFunction {
  const fn = wasmFunction(exportName, {
    params: { src: I32, dst: I32, rows: I32, srcStep: I32, dstStep: I32, bytes: I32 },
    locals: { i: I32 },
  });
  const { get, set, addTo, decrement, offsetBy } = fn;
  const [load, store] = unit === 16 ? [V128_LOAD, V128_STORE] : [F32_LOAD, F32_STORE];
  const plus = unit === 16 ? op.f32x4Add : op.f32Add;
  const at = (base: 'src' | 'dst') => offsetBy(base, 'i');
  // dst[i] = src[i] (or dst[i] + src[i]) for i < bytes, `unit` bytes at a time
  const value = add ? [...at('dst'), ...load, ...at('src'), ...load, ...plus] : [...at('src'), ...load];
  const row = whileNot(
    [...get('i'), ...get('bytes'), ...op.i32GeU],
    [...at('dst'), ...value, ...store, ...addTo('i', i32(unit))],
  );
  return fn.assemble(
    whileNot(
      [...get('rows'), ...op.i32Eqz],
      [
        ...i32(0),
        ...set('i'),
        ...row,
        ...addTo('src', get('srcStep')),
        ...addTo('dst', get('dstStep')),
        ...decrement('rows'),
      ],
    ),
  );
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
export const copySimd = perMemory<CopySimd>('copy-simd', copyModuleBytes, (exports) => ({
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
