// Hand-assembled WebAssembly SIMD for the elementwise parts of the fused MLP VAE step, four
// float32 values per instruction: a layer's bias and activation, the Bernoulli loss's gradient
// (with a float32 exp of our own), and an activation's slope applied to a gradient.
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
  type WasmFunction,
  wasmFunction,
  whileNot,
} from './wasm-assembler.js';

/**
 * `biasActivation(c, bias, rows, width, slope)`: each of the `rows` rows of `width` float32 values
 * at `c` becomes `v = c + bias`, then `v > 0 ? v : slope · v` (0 for relu, 1 for linear), in place.
 * Byte offsets; `width` a multiple of 4.
 */
export type BiasActivationFunc = (c: number, bias: number, rows: number, width: number, slope: number) => void;

/**
 * `bernoulliGradient(logits, x, grad, onePlus, count, scale)`: for `count` values (a multiple of
 * 4), `grad = (sigmoid(logit) − x) · scale` and `onePlus = 1 + exp(−|logit|)` (whose logs sum to
 * the softplus part of the loss). Byte offsets.
 */
export type BernoulliGradientFunc = (
  logits: number,
  x: number,
  grad: number,
  onePlus: number,
  count: number,
  scale: number,
) => void;

/**
 * `slopeGradient(g, h, out, count, slope)`: `out = h > 0 ? g : slope · g` for `count` values (a
 * multiple of 4): the gradient through relu (`slope` 0) or leaky relu, from the layer's output `h`.
 */
export type SlopeGradientFunc = (g: number, h: number, out: number, count: number, slope: number) => void;

/** The three functions, bound to one memory. */
export interface DenseSimd {
  biasActivation: BiasActivationFunc;
  bernoulliGradient: BernoulliGradientFunc;
  slopeGradient: SlopeGradientFunc;
}

const fSplat = (value: number) => [...f32(value), ...op.f32x4Splat];

/**
 * Code that leaves `exp(local)` on the stack for `local` in [−87, 0] (the caller clamps): the
 * usual float32 method, `2^k · p(r)` with `k = nearest(x · log2 e)`, `r = x − k · ln 2` in two
 * parts and a degree-7 polynomial, accurate to about one float32 ulp.
 */
function expOf<N extends string>({ get, set }: WasmFunction<N>, x: N, k: N, r: N): number[] {
  const poly = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  const code: number[] = [
    // k = nearest(x · log2 e)
    ...get(x),
    ...fSplat(Math.LOG2E),
    ...op.f32x4Mul,
    ...op.f32x4Nearest,
    ...set(k),
    // r = x − k · 0.693359375 + k · 2.12194440e-4 (ln 2 in two parts)
    ...get(x),
    ...get(k),
    ...fSplat(0.693359375),
    ...op.f32x4Mul,
    ...op.f32x4Sub,
    ...get(k),
    ...fSplat(2.1219444e-4),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...set(r),
    // p = ((((c0 r + c1) r + c2) r + c3) r + c4) r + c5
    ...fSplat(poly[0] as number),
  ];
  for (const c of poly.slice(1)) code.push(...get(r), ...op.f32x4Mul, ...fSplat(c), ...op.f32x4Add);
  code.push(
    // p · r² + r + 1
    ...get(r),
    ...get(r),
    ...op.f32x4Mul,
    ...op.f32x4Mul,
    ...get(r),
    ...op.f32x4Add,
    ...fSplat(1),
    ...op.f32x4Add,
    // · 2^k: (k + 127) << 23 as float32 bits
    ...get(k),
    ...op.i32x4TruncSatF32x4S,
    ...i32(127),
    ...op.i32x4Splat,
    ...op.i32x4Add,
    ...i32(23),
    ...op.i32x4Shl,
    ...op.f32x4Mul,
  );
  return code;
}

function biasActivation(): AssembledFunction {
  const fn = wasmFunction('biasActivation', {
    params: { c: I32, bias: I32, rows: I32, width: I32, slope: F32 },
    locals: { p: I32, b: I32, end: I32, v: V128 },
  });
  const { get, set, addTo, decrement } = fn;
  const load = (name: 'p' | 'b') => [...get(name), ...V128_LOAD];
  const column = [
    // v = c[p] + bias[b]; c[p] = max(v, 0) + slope · min(v, 0)
    ...load('p'),
    ...load('b'),
    ...op.f32x4Add,
    ...set('v'),
    ...get('p'),
    ...get('v'),
    ...fSplat(0),
    ...op.f32x4Max,
    ...get('v'),
    ...fSplat(0),
    ...op.f32x4Min,
    ...get('slope'),
    ...op.f32x4Splat,
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...V128_STORE,
    ...addTo('p', i32(16)),
    ...addTo('b', i32(16)),
  ];
  return fn.assemble([
    ...get('c'),
    ...set('p'),
    ...whileNot(
      [...get('rows'), ...op.i32Eqz],
      [
        ...get('bias'),
        ...set('b'),
        ...get('p'),
        ...get('width'),
        ...i32(2),
        ...op.i32Shl,
        ...op.i32Add,
        ...set('end'),
        ...whileNot([...get('p'), ...get('end'), ...op.i32Eq], column),
        ...decrement('rows'),
      ],
    ),
  ]);
}

function bernoulliGradient(): AssembledFunction {
  const fn = wasmFunction('bernoulliGradient', {
    params: { logits: I32, x: I32, grad: I32, onePlus: I32, count: I32, scale: F32 },
    locals: { i: I32, bytes: I32, l: V128, negA: V128, e: V128, k: V128, r: V128, inv: V128 },
  });
  const { get, set, addTo } = fn;
  const at = (base: 'logits' | 'x' | 'grad' | 'onePlus') => fn.offsetBy(base, 'i');
  return fn.assemble([
    ...get('count'),
    ...i32(2),
    ...op.i32Shl,
    ...set('bytes'),
    ...whileNot(
      [...get('i'), ...get('bytes'), ...op.i32Eq],
      [
        ...at('logits'),
        ...V128_LOAD,
        ...set('l'),
        // −|l|, clamped at −87 (e^−87 is the smallest normal float32's neighbourhood)
        ...get('l'),
        ...op.f32x4Abs,
        ...op.f32x4Neg,
        ...fSplat(-87),
        ...op.f32x4Max,
        ...set('negA'),
        ...expOf(fn, 'negA', 'k', 'r'),
        ...set('e'),
        // onePlus = 1 + e; inv = 1 / onePlus
        ...at('onePlus'),
        ...get('e'),
        ...fSplat(1),
        ...op.f32x4Add,
        ...V128_STORE,
        ...fSplat(1),
        ...at('onePlus'),
        ...V128_LOAD,
        ...op.f32x4Div,
        ...set('inv'),
        // sigmoid = l ≥ 0 ? inv : e · inv; grad = (sigmoid − x) · scale
        ...at('grad'),
        ...get('inv'),
        ...get('e'),
        ...get('inv'),
        ...op.f32x4Mul,
        ...get('l'),
        ...fSplat(0),
        ...op.f32x4Ge,
        ...op.v128Bitselect,
        ...at('x'),
        ...V128_LOAD,
        ...op.f32x4Sub,
        ...get('scale'),
        ...op.f32x4Splat,
        ...op.f32x4Mul,
        ...V128_STORE,
        ...addTo('i', i32(16)),
      ],
    ),
  ]);
}

function slopeGradient(): AssembledFunction {
  const fn = wasmFunction('slopeGradient', {
    params: { g: I32, h: I32, out: I32, count: I32, slope: F32 },
    locals: { j: I32, bytes: I32, gv: V128 },
  });
  const { get, set, addTo } = fn;
  const at = (base: 'g' | 'h' | 'out') => fn.offsetBy(base, 'j');
  return fn.assemble([
    ...get('count'),
    ...i32(2),
    ...op.i32Shl,
    ...set('bytes'),
    ...whileNot(
      [...get('j'), ...get('bytes'), ...op.i32Eq],
      [
        ...at('out'),
        ...at('g'),
        ...V128_LOAD,
        ...set('gv'),
        ...get('gv'),
        ...get('gv'),
        ...get('slope'),
        ...op.f32x4Splat,
        ...op.f32x4Mul,
        ...at('h'),
        ...V128_LOAD,
        ...fSplat(0),
        ...op.f32x4Gt,
        ...op.v128Bitselect,
        ...V128_STORE,
        ...addTo('j', i32(16)),
      ],
    ),
  ]);
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true). */
export function denseModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  return assembleModule([biasActivation(), bernoulliGradient(), slopeGradient()], sharedMemory);
}

/** The functions bound to a memory (shared or not), or `null` without wasm SIMD. */
export const denseSimd = perMemory<DenseSimd>('dense-simd', denseModuleBytes, (exports) => ({
  biasActivation: exports.biasActivation as BiasActivationFunc,
  bernoulliGradient: exports.bernoulliGradient as BernoulliGradientFunc,
  slopeGradient: exports.slopeGradient as SlopeGradientFunc,
}));
