// Hand-assembled WebAssembly SIMD for the elementwise parts of the fused dense VAE step, four
// float32 values per instruction: a layer's bias and activation, the Bernoulli loss's gradient
// (with a float32 exp of our own), and an activation's slope applied to a gradient.
import {
  addTo,
  assembleModule,
  decrement,
  F32,
  F32X4_ABS,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GE,
  F32X4_MUL,
  F32X4_SPLAT,
  f32,
  get,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_SHL,
  i32,
  offsetBy,
  perMemory,
  SIMD,
  set,
  V128,
  V128_LOAD,
  V128_STORE,
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

const F32X4_NEG = [SIMD, 0xe1, 0x01];
const F32X4_SUB = [SIMD, 0xe5, 0x01];
const F32X4_MIN = [SIMD, 0xe8, 0x01];
const F32X4_MAX = [SIMD, 0xe9, 0x01];
const F32X4_GT = [SIMD, 0x44];
const F32X4_NEAREST = [SIMD, 0x6a];
const I32X4_TRUNC_SAT_F32X4_S = [SIMD, 0xf8, 0x01];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const I32X4_SHL = [SIMD, 0xab, 0x01];
const I32X4_SPLAT = [SIMD, 0x11];
const V128_BITSELECT = [SIMD, 0x52];

const I32_EQ = 0x46;
const fSplat = (value: number) => [...f32(value), ...F32X4_SPLAT];
const load = (local: number) => [...get(local), ...V128_LOAD];

/**
 * Code that leaves `exp(local)` on the stack for `local` in [−87, 0] (the caller clamps): the
 * usual float32 method, `2^k · p(r)` with `k = nearest(x · log2 e)`, `r = x − k · ln 2` in two
 * parts and a degree-7 polynomial, accurate to about one float32 ulp.
 */
function expOf(x: number, k: number, r: number): number[] {
  const poly = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  const code: number[] = [
    // k = nearest(x · log2 e)
    ...get(x),
    ...fSplat(Math.LOG2E),
    ...F32X4_MUL,
    ...F32X4_NEAREST,
    ...set(k),
    // r = x − k · 0.693359375 + k · 2.12194440e-4 (ln 2 in two parts)
    ...get(x),
    ...get(k),
    ...fSplat(0.693359375),
    ...F32X4_MUL,
    ...F32X4_SUB,
    ...get(k),
    ...fSplat(2.1219444e-4),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(r),
    // p = ((((c0 r + c1) r + c2) r + c3) r + c4) r + c5
    ...fSplat(poly[0] as number),
  ];
  for (const c of poly.slice(1)) code.push(...get(r), ...F32X4_MUL, ...fSplat(c), ...F32X4_ADD);
  code.push(
    // p · r² + r + 1
    ...get(r),
    ...get(r),
    ...F32X4_MUL,
    ...F32X4_MUL,
    ...get(r),
    ...F32X4_ADD,
    ...fSplat(1),
    ...F32X4_ADD,
    // · 2^k: (k + 127) << 23 as float32 bits
    ...get(k),
    ...I32X4_TRUNC_SAT_F32X4_S,
    ...i32(127),
    ...I32X4_SPLAT,
    ...I32X4_ADD,
    ...i32(23),
    ...I32X4_SHL,
    ...F32X4_MUL,
  );
  return code;
}

// biasActivation parameters, then locals.
const [C, BIAS, ROWS, WIDTH, SLOPE] = [0, 1, 2, 3, 4];
const [P, B, END] = [5, 6, 7];
const [V] = [8];

function biasActivationBody(): number[] {
  const column = [
    // v = c[p] + bias[b]; c[p] = max(v, 0) + slope · min(v, 0)
    ...load(P),
    ...load(B),
    ...F32X4_ADD,
    ...set(V),
    ...get(P),
    ...get(V),
    ...fSplat(0),
    ...F32X4_MAX,
    ...get(V),
    ...fSplat(0),
    ...F32X4_MIN,
    ...get(SLOPE),
    ...F32X4_SPLAT,
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...V128_STORE,
    ...addTo(P, i32(16)),
    ...addTo(B, i32(16)),
  ];
  return [
    ...get(C),
    ...set(P),
    ...whileNot(
      [...get(ROWS), I32_EQZ],
      [
        ...get(BIAS),
        ...set(B),
        ...get(P),
        ...get(WIDTH),
        ...i32(2),
        I32_SHL,
        I32_ADD,
        ...set(END),
        ...whileNot([...get(P), ...get(END), I32_EQ], column),
        ...decrement(ROWS),
      ],
    ),
  ];
}

// bernoulliGradient parameters, then locals.
const [LOGITS, X, GRAD, ONE_PLUS, COUNT, SCALE] = [0, 1, 2, 3, 4, 5];
const [I, BYTES] = [6, 7];
const [L, NEG_A, E, K, R, INV] = [8, 9, 10, 11, 12, 13];

function bernoulliBody(): number[] {
  const at = (base: number) => offsetBy(base, I);
  return [
    ...get(COUNT),
    ...i32(2),
    I32_SHL,
    ...set(BYTES),
    ...whileNot(
      [...get(I), ...get(BYTES), I32_EQ],
      [
        ...at(LOGITS),
        ...V128_LOAD,
        ...set(L),
        // −|l|, clamped at −87 (e^−87 is the smallest normal float32's neighbourhood)
        ...get(L),
        ...F32X4_ABS,
        ...F32X4_NEG,
        ...fSplat(-87),
        ...F32X4_MAX,
        ...set(NEG_A),
        ...expOf(NEG_A, K, R),
        ...set(E),
        // onePlus = 1 + e; inv = 1 / onePlus
        ...at(ONE_PLUS),
        ...get(E),
        ...fSplat(1),
        ...F32X4_ADD,
        ...V128_STORE,
        ...fSplat(1),
        ...at(ONE_PLUS),
        ...V128_LOAD,
        ...F32X4_DIV,
        ...set(INV),
        // sigmoid = l ≥ 0 ? inv : e · inv; grad = (sigmoid − x) · scale
        ...at(GRAD),
        ...get(INV),
        ...get(E),
        ...get(INV),
        ...F32X4_MUL,
        ...get(L),
        ...fSplat(0),
        ...F32X4_GE,
        ...V128_BITSELECT,
        ...at(X),
        ...V128_LOAD,
        ...F32X4_SUB,
        ...get(SCALE),
        ...F32X4_SPLAT,
        ...F32X4_MUL,
        ...V128_STORE,
        ...addTo(I, i32(16)),
      ],
    ),
  ];
}

// slopeGradient parameters, then locals.
const [G, H, OUT, N, GSLOPE] = [0, 1, 2, 3, 4];
const [J, JBYTES, GV] = [5, 6, 7];

function slopeBody(): number[] {
  const at = (base: number) => offsetBy(base, J);
  return [
    ...get(N),
    ...i32(2),
    I32_SHL,
    ...set(JBYTES),
    ...whileNot(
      [...get(J), ...get(JBYTES), I32_EQ],
      [
        ...at(OUT),
        ...at(G),
        ...V128_LOAD,
        ...set(GV),
        ...get(GV),
        ...get(GV),
        ...get(GSLOPE),
        ...F32X4_SPLAT,
        ...F32X4_MUL,
        ...at(H),
        ...V128_LOAD,
        ...fSplat(0),
        ...F32X4_GT,
        ...V128_BITSELECT,
        ...V128_STORE,
        ...addTo(J, i32(16)),
      ],
    ),
  ];
}

/** The module's bytes: imports `env.memory` (shared when `sharedMemory` is true). */
export function denseModuleBytes(sharedMemory = false): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      {
        exportName: 'biasActivation',
        params: [I32, I32, I32, I32, F32],
        locals: [
          [3, I32],
          [1, V128],
        ],
        body: biasActivationBody(),
      },
      {
        exportName: 'bernoulliGradient',
        params: [I32, I32, I32, I32, I32, F32],
        locals: [
          [2, I32],
          [6, V128],
        ],
        body: bernoulliBody(),
      },
      {
        exportName: 'slopeGradient',
        params: [I32, I32, I32, I32, F32],
        locals: [
          [2, I32],
          [1, V128],
        ],
        body: slopeBody(),
      },
    ],
    sharedMemory,
  );
}

/** The functions bound to a memory (shared or not), or `null` without wasm SIMD. */
export const denseSimd = perMemory<DenseSimd>(denseModuleBytes, (exports) => ({
  biasActivation: exports.biasActivation as BiasActivationFunc,
  bernoulliGradient: exports.bernoulliGradient as BernoulliGradientFunc,
  slopeGradient: exports.slopeGradient as SlopeGradientFunc,
}));
