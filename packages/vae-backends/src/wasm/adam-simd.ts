// A tiny WebAssembly module, assembled here byte by byte, with one function: the Adam update of
// one variable with 128-bit SIMD, reading and writing the wasm backend's own heap (the module
// imports that memory). Plain JS is about as slow as the fourteen separate kernels it replaces
// (float32 loads and stores in JS cost ~3 ns each); four lanes per instruction are not.

import {
  addTo,
  assembleModule,
  F32,
  F32X4_ABS,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GE,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  f32,
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_GE_U,
  I32_SHL,
  offsetBy,
  perMemory,
  set,
  V128,
  V128_AND,
  V128_LOAD,
  V128_STORE,
  whileNot,
} from './wasm-assembler.js';

/** `adam(w, m, v, g, w1, m1, v1, n, beta1, beta2, rest1, rest2, a1, s2, eps)`, byte offsets and a count of float32 values (a multiple of 4). */
export type AdamSimdFunc = (
  w: number,
  m: number,
  v: number,
  g: number,
  w1: number,
  m1: number,
  v1: number,
  n: number,
  beta1: number,
  beta2: number,
  rest1: number,
  rest2: number,
  a1: number,
  s2: number,
  eps: number,
) => void;

// Parameter and local indices.
const [W, M, V, G, W1, M1, V1, N] = [0, 1, 2, 3, 4, 5, 6, 7];
const [BETA1, BETA2, REST1, REST2, A1, S2, EPS] = [8, 9, 10, 11, 12, 13, 14];
const [I, BYTES, GI, MI, VI] = [15, 16, 17, 18, 19];

/** The address `base + i` followed by a v128 load from it. */
const load = (base: number) => [...offsetBy(base, I), ...V128_LOAD];
const splat = (index: number) => [...get(index), ...F32X4_SPLAT];

/** The smallest normal float32. */
export const FLT_MIN = 1.1754943508222875e-38;

/** A moment as the SIMD update leaves it: 0 when subnormal (see {@link flushSubnormal}). */
export const flushed = (x: number): number => (Math.abs(x) < FLT_MIN ? 0 : x);

/**
 * `local = local & (|local| >= FLT_MIN)`: subnormal moments become 0. A moment whose gradient
 * stays 0 (the weights of an always-zero input pixel) decays through the subnormal range, where
 * x86 float arithmetic is many times slower; what it would still move a weight is far below
 * float32 resolution.
 */
const flushSubnormal = (local: number) => [
  ...get(local),
  ...get(local),
  ...F32X4_ABS,
  ...f32(FLT_MIN),
  ...F32X4_SPLAT,
  ...F32X4_GE,
  ...V128_AND,
  ...set(local),
];

function adamBody(): number[] {
  return [
    // bytes = n << 2; i = 0
    ...get(N),
    I32_CONST,
    2,
    I32_SHL,
    ...set(BYTES),
    I32_CONST,
    0,
    ...set(I),
    ...whileNot(
      [...get(I), ...get(BYTES), I32_GE_U],
      [
        // gi = g[i]
        ...load(G),
        ...set(GI),
        // mi = m[i] * beta1 + gi * rest1
        ...load(M),
        ...splat(BETA1),
        ...F32X4_MUL,
        ...get(GI),
        ...splat(REST1),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...set(MI),
        ...flushSubnormal(MI),
        // vi = v[i] * beta2 + (gi * gi) * rest2
        ...load(V),
        ...splat(BETA2),
        ...F32X4_MUL,
        ...get(GI),
        ...get(GI),
        ...F32X4_MUL,
        ...splat(REST2),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...set(VI),
        ...flushSubnormal(VI),
        // m1[i] = mi; v1[i] = vi
        ...offsetBy(M1, I),
        ...get(MI),
        ...V128_STORE,
        ...offsetBy(V1, I),
        ...get(VI),
        ...V128_STORE,
        // w1[i] = (mi * a1) / (sqrt(vi) * s2 + eps) + w[i]
        ...offsetBy(W1, I),
        ...get(MI),
        ...splat(A1),
        ...F32X4_MUL,
        ...get(VI),
        ...F32X4_SQRT,
        ...splat(S2),
        ...F32X4_MUL,
        ...splat(EPS),
        ...F32X4_ADD,
        ...F32X4_DIV,
        ...load(W),
        ...F32X4_ADD,
        ...V128_STORE,
        // i += 16
        ...addTo(I, [I32_CONST, 16]),
      ],
    ),
  ];
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true), exports `adam`. */
export function adamModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      {
        exportName: 'adam',
        params: [...Array(8).fill(I32), ...Array(7).fill(F32)],
        locals: [
          [2, I32],
          [3, V128],
        ],
        body: adamBody(),
      },
    ],
    sharedMemory,
  );
}

/**
 * The SIMD Adam update bound to a wasm memory, or `null` where it cannot run (no wasm SIMD); built
 * once per memory, which may be shared between threads.
 */
export const adamSimd = perMemory<AdamSimdFunc>(adamModuleBytes, 'adam');
