// A hand-assembled WebAssembly column sum on the wasm backend's heap: the bias gradient's sum over
// leading axes, four float32 values per load, added into float64 accumulators (two per vector)
// so the result is at least as accurate as the cpu backend's double-precision loop.
import {
  I32,
  i32,
  moduleBytes,
  op,
  perMemory,
  V128,
  V128_LOAD,
  v128LoadAt,
  v128StoreAt,
  wasmFunction,
  whileNot,
} from './wasm-assembler.js';

/**
 * `sumRows(src, acc, rows, width)`: adds the `rows` rows of `width` float32 values at byte offset
 * `src` (row-major, `width` a multiple of 4) into the `width` float64 accumulators at `acc`
 * (8-byte aligned).
 */
export type SumRowsFunc = (src: number, acc: number, rows: number, width: number) => void;

/** The module's bytes: imports `env.memory`, exports `sumRows`. */
export function sumModuleBytes(): Uint8Array<ArrayBuffer> {
  const fn = wasmFunction('sumRows', {
    params: { src: I32, acc: I32, rows: I32, width: I32 },
    locals: { c: I32, x: V128, address: I32 },
  });
  const { get, set, tee, addTo, decrement } = fn;
  /** The f64x2 at `acc + 8c + offset` += the low (or high) two lanes of x, promoted to float64. */
  const addPair = (offset: number, high: boolean): number[] => {
    const pair = high
      ? [...get('x'), ...get('x'), ...op.i8x16Shuffle, ...[8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]]
      : get('x');
    return [
      // address = acc + 8c (c counts float32 columns; each has an 8-byte accumulator)
      ...get('acc'),
      ...get('c'),
      ...i32(3),
      ...op.i32Shl,
      ...op.i32Add,
      ...tee('address'),
      ...get('address'),
      ...v128LoadAt(offset),
      ...pair,
      ...op.f64x2PromoteLowF32x4,
      ...op.f64x2Add,
      ...v128StoreAt(offset),
    ];
  };
  // x = src[c..c+3]; acc[c..c+3] += x (as two float64 pairs)
  const columns = whileNot(
    [...get('c'), ...get('width'), ...op.i32GeU],
    [
      ...get('src'),
      ...get('c'),
      ...i32(2),
      ...op.i32Shl,
      ...op.i32Add,
      ...V128_LOAD,
      ...set('x'),
      ...addPair(0, false),
      ...addPair(16, true),
      ...addTo('c', i32(4)),
    ],
  );
  const body = whileNot(
    [...get('rows'), ...op.i32Eqz],
    [
      ...i32(0),
      ...set('c'),
      ...columns,
      ...addTo('src', [...get('width'), ...i32(2), ...op.i32Shl]),
      ...decrement('rows'),
    ],
  );
  return moduleBytes(fn.assemble(body));
}

/** The column sum bound to a wasm memory, or `null` where it cannot run; built once per memory. */
export const sumSimd = perMemory<SumRowsFunc>('sum-simd', sumModuleBytes, 'sumRows');
