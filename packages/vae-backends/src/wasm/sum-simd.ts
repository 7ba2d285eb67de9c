// A hand-assembled WebAssembly column sum on the wasm backend's heap: the bias gradient's sum over
// leading axes, four float32 values per load, added into float64 accumulators (two per vector)
// so the result is at least as accurate as the cpu backend's double-precision loop.
import {
  addTo,
  decrement,
  get,
  I8X16_SHUFFLE,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_GE_U,
  I32_SHL,
  i32,
  moduleBytes,
  perMemory,
  SIMD,
  set,
  V128,
  V128_LOAD,
  v128LoadAt,
  v128StoreAt,
  whileNot,
} from './wasm-assembler.js';

/**
 * `sumRows(src, acc, rows, width)`: adds the `rows` rows of `width` float32 values at byte offset
 * `src` (row-major, `width` a multiple of 4) into the `width` float64 accumulators at `acc`
 * (8-byte aligned).
 */
export type SumRowsFunc = (src: number, acc: number, rows: number, width: number) => void;

const F64X2_PROMOTE_LOW_F32X4 = [SIMD, 0x5f];
const F64X2_ADD = [SIMD, 0xf0, 0x01];
const [SRC, ACC, ROWS, WIDTH] = [0, 1, 2, 3];
const [C, X, ADDRESS] = [4, 5, 6];
const LOCAL_TEE = 0x22;

/** The f64x2 at `acc + 8c + offset` += the low (or high) two lanes of X, promoted to float64. */
function addPair(offset: number, high: boolean): number[] {
  const pair = high
    ? [...get(X), ...get(X), ...I8X16_SHUFFLE, ...[8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]]
    : get(X);
  return [
    // address = acc + 8c (c counts float32 columns; each has an 8-byte accumulator)
    ...get(ACC),
    ...get(C),
    ...i32(3),
    I32_SHL,
    I32_ADD,
    LOCAL_TEE,
    ADDRESS,
    ...get(ADDRESS),
    ...v128LoadAt(offset),
    ...pair,
    ...F64X2_PROMOTE_LOW_F32X4,
    ...F64X2_ADD,
    ...v128StoreAt(offset),
  ];
}

function sumBody(): number[] {
  // x = src[c..c+3]; acc[c..c+3] += x (as two float64 pairs)
  const columns = whileNot(
    [...get(C), ...get(WIDTH), I32_GE_U],
    [
      ...get(SRC),
      ...get(C),
      ...i32(2),
      I32_SHL,
      I32_ADD,
      ...V128_LOAD,
      ...set(X),
      ...addPair(0, false),
      ...addPair(16, true),
      ...addTo(C, i32(4)),
    ],
  );
  return whileNot(
    [...get(ROWS), I32_EQZ],
    [...i32(0), ...set(C), ...columns, ...addTo(SRC, [...get(WIDTH), ...i32(2), I32_SHL]), ...decrement(ROWS)],
  );
}

/** The module's bytes: imports `env.memory`, exports `sumRows`. */
export function sumModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes({
    exportName: 'sumRows',
    params: [I32, I32, I32, I32],
    locals: [
      [1, I32],
      [1, V128],
      [1, I32],
    ],
    body: sumBody(),
  });
}

/** The column sum bound to a wasm memory, or `null` where it cannot run; built once per memory. */
export const sumSimd = perMemory<SumRowsFunc>(sumModuleBytes, 'sumRows');
