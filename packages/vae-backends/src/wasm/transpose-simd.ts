// A hand-assembled WebAssembly function that transposes a row-major matrix of 4-byte values on
// the wasm backend's heap in 4×4 blocks: four 128-bit loads, eight lane shuffles, four stores.
// The backend's own Transpose moves one element at a time (about 1.8 ns each for a 128×784
// batch); this moves four per instruction.
import {
  addTo,
  assembleModule,
  get,
  I8X16_SHUFFLE,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_MUL,
  I32_SHL,
  i32,
  perMemory,
  set,
  V128,
  V128_LOAD,
  V128_STORE,
  whileNot,
} from './wasm-assembler.js';

/**
 * `transpose(src, dst, rows, cols)`: byte offsets of a `rows × cols` source and its `cols × rows`
 * destination; `rows` and `cols` are multiples of 4.
 */
export type TransposeSimdFunc = (src: number, dst: number, rows: number, cols: number) => void;

// Parameters, then locals.
const [SRC, DST, ROWS, COLS] = [0, 1, 2, 3];
const [R, C, SROW, DROW, SP, DP] = [4, 5, 6, 7, 8, 9];
const [A0, A1, A2, A3, T0, T1, T2, T3] = [10, 11, 12, 13, 14, 15, 16, 17];

/** The byte lanes that pick 32-bit lanes `l` (0-3: first operand, 4-7: second). */
function lanes(...l: number[]): number[] {
  return l.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]);
}

const shuffle = (x: number, y: number, pick: number[]) => [...get(x), ...get(y), ...I8X16_SHUFFLE, ...lanes(...pick)];
/** `base + k × stride` on the stack. */
const address = (base: number, stride: number, k: number) =>
  k === 0 ? get(base) : [...get(base), ...get(stride), ...i32(k), I32_MUL, I32_ADD];

function transposeBody(): number[] {
  const loads = [A0, A1, A2, A3].flatMap((a, k) => [...address(SP, SROW, k), ...V128_LOAD, ...set(a)]);
  // t0 = a0[0] a1[0] a0[1] a1[1]; t1 = a0[2] a1[2] a0[3] a1[3]; t2, t3 likewise from a2, a3.
  const interleave = [
    ...shuffle(A0, A1, [0, 4, 1, 5]),
    ...set(T0),
    ...shuffle(A0, A1, [2, 6, 3, 7]),
    ...set(T1),
    ...shuffle(A2, A3, [0, 4, 1, 5]),
    ...set(T2),
    ...shuffle(A2, A3, [2, 6, 3, 7]),
    ...set(T3),
  ];
  // Column k of the block: (t0, t2) give columns 0 and 1, (t1, t3) columns 2 and 3.
  const columns: Array<[number, number, number[]]> = [
    [T0, T2, [0, 1, 4, 5]],
    [T0, T2, [2, 3, 6, 7]],
    [T1, T3, [0, 1, 4, 5]],
    [T1, T3, [2, 3, 6, 7]],
  ];
  const stores = columns.flatMap(([x, y, pick], k) => [...address(DP, DROW, k), ...shuffle(x, y, pick), ...V128_STORE]);
  return [
    // srow = cols × 4; drow = rows × 4; r = 0
    ...get(COLS),
    ...i32(2),
    I32_SHL,
    ...set(SROW),
    ...get(ROWS),
    ...i32(2),
    I32_SHL,
    ...set(DROW),
    ...i32(0),
    ...set(R),
    ...whileNot(
      [...get(R), ...get(ROWS), I32_GE_U],
      [
        ...i32(0),
        ...set(C),
        ...whileNot(
          [...get(C), ...get(COLS), I32_GE_U],
          [
            // sp = src + r × srow + c × 4; dp = dst + c × drow + r × 4
            ...get(SRC),
            ...get(R),
            ...get(SROW),
            I32_MUL,
            I32_ADD,
            ...get(C),
            ...i32(2),
            I32_SHL,
            I32_ADD,
            ...set(SP),
            ...get(DST),
            ...get(C),
            ...get(DROW),
            I32_MUL,
            I32_ADD,
            ...get(R),
            ...i32(2),
            I32_SHL,
            I32_ADD,
            ...set(DP),
            ...loads,
            ...interleave,
            ...stores,
            ...addTo(C, i32(4)),
          ],
        ),
        ...addTo(R, i32(4)),
      ],
    ),
  ];
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true), exports `transpose`. */
export function transposeModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      {
        exportName: 'transpose',
        params: [I32, I32, I32, I32],
        locals: [
          [6, I32],
          [8, V128],
        ],
        body: transposeBody(),
      },
    ],
    sharedMemory,
  );
}

/**
 * The SIMD transpose bound to a wasm memory, or `null` where it cannot run (no wasm SIMD); built
 * once per memory, which may be shared between threads.
 */
export const transposeSimd = perMemory<TransposeSimdFunc>(transposeModuleBytes, 'transpose');
