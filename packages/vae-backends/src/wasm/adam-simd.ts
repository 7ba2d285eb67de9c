// A tiny WebAssembly module, assembled here byte by byte, with one function: the Adam update of
// one variable with 128-bit SIMD, reading and writing the wasm backend's own heap (the module
// imports that memory). Plain JS is about as slow as the fourteen separate kernels it replaces
// (float32 loads and stores in JS cost ~3 ns each); four lanes per instruction are not.

import {
  type AssembledFunction,
  assembleModule,
  F32,
  f32,
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

/** The smallest normal float32. */
export const FLT_MIN = 1.1754943508222875e-38;

/** A moment as the SIMD update leaves it: 0 when subnormal (the update flushes those, see `flushSubnormal`). */
export const flushed = (x: number): number => (Math.abs(x) < FLT_MIN ? 0 : x);

function adamFunction(): AssembledFunction {
  const fn = wasmFunction('adam', {
    params: {
      w: I32,
      m: I32,
      v: I32,
      g: I32,
      w1: I32,
      m1: I32,
      v1: I32,
      n: I32,
      beta1: F32,
      beta2: F32,
      rest1: F32,
      rest2: F32,
      a1: F32,
      s2: F32,
      eps: F32,
    },
    locals: { i: I32, bytes: I32, gi: V128, mi: V128, vi: V128 },
  });
  const { get, set, addTo, offsetBy } = fn;
  /** The address `base + i` followed by a v128 load from it. */
  const load = (base: 'w' | 'm' | 'v' | 'g') => [...offsetBy(base, 'i'), ...V128_LOAD];
  const splat = (factor: 'beta1' | 'beta2' | 'rest1' | 'rest2' | 'a1' | 's2' | 'eps') => [
    ...get(factor),
    ...op.f32x4Splat,
  ];
  /**
   * `moment = moment & (|moment| >= FLT_MIN)`: subnormal moments become 0. A moment whose gradient
   * stays 0 (the weights of an always-zero input pixel) decays through the subnormal range, where
   * x86 float arithmetic is many times slower; what it would still move a weight is far below
   * float32 resolution.
   */
  const flushSubnormal = (moment: 'mi' | 'vi') => [
    ...get(moment),
    ...get(moment),
    ...op.f32x4Abs,
    ...f32(FLT_MIN),
    ...op.f32x4Splat,
    ...op.f32x4Ge,
    ...op.v128And,
    ...set(moment),
  ];
  return fn.assemble([
    // bytes = n << 2; i = 0
    ...get('n'),
    ...i32(2),
    ...op.i32Shl,
    ...set('bytes'),
    ...i32(0),
    ...set('i'),
    ...whileNot(
      [...get('i'), ...get('bytes'), ...op.i32GeU],
      [
        // gi = g[i]
        ...load('g'),
        ...set('gi'),
        // mi = m[i] * beta1 + gi * rest1
        ...load('m'),
        ...splat('beta1'),
        ...op.f32x4Mul,
        ...get('gi'),
        ...splat('rest1'),
        ...op.f32x4Mul,
        ...op.f32x4Add,
        ...set('mi'),
        ...flushSubnormal('mi'),
        // vi = v[i] * beta2 + (gi * gi) * rest2
        ...load('v'),
        ...splat('beta2'),
        ...op.f32x4Mul,
        ...get('gi'),
        ...get('gi'),
        ...op.f32x4Mul,
        ...splat('rest2'),
        ...op.f32x4Mul,
        ...op.f32x4Add,
        ...set('vi'),
        ...flushSubnormal('vi'),
        // m1[i] = mi; v1[i] = vi
        ...offsetBy('m1', 'i'),
        ...get('mi'),
        ...V128_STORE,
        ...offsetBy('v1', 'i'),
        ...get('vi'),
        ...V128_STORE,
        // w1[i] = (mi * a1) / (sqrt(vi) * s2 + eps) + w[i]
        ...offsetBy('w1', 'i'),
        ...get('mi'),
        ...splat('a1'),
        ...op.f32x4Mul,
        ...get('vi'),
        ...op.f32x4Sqrt,
        ...splat('s2'),
        ...op.f32x4Mul,
        ...splat('eps'),
        ...op.f32x4Add,
        ...op.f32x4Div,
        ...load('w'),
        ...op.f32x4Add,
        ...V128_STORE,
        // i += 16
        ...addTo('i', i32(16)),
      ],
    ),
  ]);
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true), exports `adam`. */
export function adamModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  return assembleModule([adamFunction()], sharedMemory);
}

/**
 * The SIMD Adam update bound to a wasm memory, or `null` where it cannot run (no wasm SIMD); built
 * once per memory, which may be shared between threads.
 */
export const adamSimd = perMemory<AdamSimdFunc>('adam-simd', adamModuleBytes, 'adam');
