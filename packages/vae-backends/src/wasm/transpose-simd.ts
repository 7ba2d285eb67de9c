// A hand-assembled WebAssembly function that transposes a row-major matrix of 4-byte values on
// the wasm backend's heap in 4×4 blocks: four 128-bit loads, eight lane shuffles, four stores.
// The backend's own Transpose moves one element at a time (about 1.8 ns each for a 128×784
// batch); this moves four per instruction.
import {
  assembleModule,
  I32,
  i32,
  op,
  perMemory,
  V128,
  V128_LOAD,
  V128_STORE,
  wasmFunction,
  whileNot,
} from './wasm-assembler.js';

/**
 * `transpose(src, dst, rows, cols)`: byte offsets of a `rows × cols` source and its `cols × rows`
 * destination; `rows` and `cols` are multiples of 4.
 */
export type TransposeSimdFunc = (src: number, dst: number, rows: number, cols: number) => void;

/** The byte lanes that pick 32-bit lanes `l` (0-3: first operand, 4-7: second). */
function lanes(...l: number[]): number[] {
  return l.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]);
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true), exports `transpose`. */
export function transposeModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  const fn = wasmFunction('transpose', {
    params: { src: I32, dst: I32, rows: I32, cols: I32 },
    // a0-a3: the block's four source rows; t0-t3: those rows interleaved in pairs.
    locals: {
      r: I32,
      c: I32,
      srow: I32,
      drow: I32,
      sp: I32,
      dp: I32,
      a0: V128,
      a1: V128,
      a2: V128,
      a3: V128,
      t0: V128,
      t1: V128,
      t2: V128,
      t3: V128,
    },
  });
  const { get, set, addTo } = fn;
  type Vector = 'a0' | 'a1' | 'a2' | 'a3' | 't0' | 't1' | 't2' | 't3';
  const shuffle = (x: Vector, y: Vector, pick: number[]) => [
    ...get(x),
    ...get(y),
    ...op.i8x16Shuffle,
    ...lanes(...pick),
  ];
  /** `base + k × stride` on the stack. */
  const address = (base: 'sp' | 'dp', stride: 'srow' | 'drow', k: number) =>
    k === 0 ? get(base) : [...get(base), ...get(stride), ...i32(k), ...op.i32Mul, ...op.i32Add];

  const rows: Vector[] = ['a0', 'a1', 'a2', 'a3'];
  const loads = rows.flatMap((a, k) => [...address('sp', 'srow', k), ...V128_LOAD, ...set(a)]);
  // t0 = a0[0] a1[0] a0[1] a1[1]; t1 = a0[2] a1[2] a0[3] a1[3]; t2, t3 likewise from a2, a3.
  const interleave = [
    ...shuffle('a0', 'a1', [0, 4, 1, 5]),
    ...set('t0'),
    ...shuffle('a0', 'a1', [2, 6, 3, 7]),
    ...set('t1'),
    ...shuffle('a2', 'a3', [0, 4, 1, 5]),
    ...set('t2'),
    ...shuffle('a2', 'a3', [2, 6, 3, 7]),
    ...set('t3'),
  ];
  // Column k of the block: (t0, t2) give columns 0 and 1, (t1, t3) columns 2 and 3.
  const columns: Array<[Vector, Vector, number[]]> = [
    ['t0', 't2', [0, 1, 4, 5]],
    ['t0', 't2', [2, 3, 6, 7]],
    ['t1', 't3', [0, 1, 4, 5]],
    ['t1', 't3', [2, 3, 6, 7]],
  ];
  const stores = columns.flatMap(([x, y, pick], k) => [
    ...address('dp', 'drow', k),
    ...shuffle(x, y, pick),
    ...V128_STORE,
  ]);
  const body = [
    // srow = cols × 4; drow = rows × 4; r = 0
    ...get('cols'),
    ...i32(2),
    ...op.i32Shl,
    ...set('srow'),
    ...get('rows'),
    ...i32(2),
    ...op.i32Shl,
    ...set('drow'),
    ...i32(0),
    ...set('r'),
    ...whileNot(
      [...get('r'), ...get('rows'), ...op.i32GeU],
      [
        ...i32(0),
        ...set('c'),
        ...whileNot(
          [...get('c'), ...get('cols'), ...op.i32GeU],
          [
            // sp = src + r × srow + c × 4; dp = dst + c × drow + r × 4
            ...get('src'),
            ...get('r'),
            ...get('srow'),
            ...op.i32Mul,
            ...op.i32Add,
            ...get('c'),
            ...i32(2),
            ...op.i32Shl,
            ...op.i32Add,
            ...set('sp'),
            ...get('dst'),
            ...get('c'),
            ...get('drow'),
            ...op.i32Mul,
            ...op.i32Add,
            ...get('r'),
            ...i32(2),
            ...op.i32Shl,
            ...op.i32Add,
            ...set('dp'),
            ...loads,
            ...interleave,
            ...stores,
            ...addTo('c', i32(4)),
          ],
        ),
        ...addTo('r', i32(4)),
      ],
    ),
  ];
  return assembleModule([fn.assemble(body)], sharedMemory);
}

/**
 * The SIMD transpose bound to a wasm memory, or `null` where it cannot run (no wasm SIMD); built
 * once per memory, which may be shared between threads.
 */
export const transposeSimd = perMemory<TransposeSimdFunc>('transpose-simd', transposeModuleBytes, 'transpose');
