import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';
import { type AdamSimdFunc, adamSimd, flushed } from './adam-simd.js';
import { heapF32, heapOffset, type KernelArgs, wasmMemory } from './wasm-internals.js';

/** Name of our fused Adam update kernel (wasm only). */
export const ADAM_UPDATE = 'VAEAdamUpdate';

interface AdamUpdateInputs {
  value: tf.TensorInfo;
  m: tf.TensorInfo;
  v: tf.TensorInfo;
  gradient: tf.TensorInfo;
}

/** The attributes of {@link ADAM_UPDATE}. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
  /** `1 - beta1^t` and `1 - beta2^t`, rounded to float32 as the optimizer's own chain has them. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/** The SIMD update bound to the active wasm backend's memory, or `null` where it cannot run. */
export function adamSimdFor(backend: unknown): AdamSimdFunc | null {
  const memory = wasmMemory(backend);
  return memory === undefined ? null : adamSimd(memory);
}

/**
 * One Adam step of one variable in a single pass: new first and second moments and the new value
 * (`[value, m, v]`), the same formula as tfjs-core's `AdamOptimizer` (which runs it as fourteen
 * elementwise kernels, each a full pass over the variable), four values per SIMD instruction.
 * `VAEAdam` runs it on wasm.
 */
export function adamUpdate(args: KernelArgs<AdamUpdateInputs, AdamUpdateAttrs>): tf.TensorInfo[] {
  const { backend, attrs } = args;
  const { value, m, v, gradient } = args.inputs;
  const simd = adamSimdFor(backend);
  if (simd === null) {
    throw new BackendError(
      `${ADAM_UPDATE}: this wasm backend's memory cannot be shared with the SIMD update (no WebAssembly SIMD, or a shared memory). The fused Adam update is only used where it can run; call it through VAEAdam.`,
      { backend: 'wasm' },
    );
  }
  const newValue = backend.makeOutput([...value.shape], 'float32');
  const newM = backend.makeOutput([...value.shape], 'float32');
  const newV = backend.makeOutput([...value.shape], 'float32');
  const { beta1, beta2, epsilon, oneMinusAccBeta1: c1, oneMinusAccBeta2: c2 } = attrs;
  const rest1 = Math.fround(1 - beta1);
  const rest2 = Math.fround(1 - beta2);
  // (m / c1) / (sqrt(v / c2) + eps) · (-lr) with the divisions by constants folded.
  const a1 = -attrs.learningRate / c1;
  const s2 = 1 / Math.sqrt(c2);
  const n = tf.util.sizeFromShape(value.shape);
  const vector = n - (n % 4);
  const offset = (info: tf.TensorInfo) => heapOffset(backend, info);
  simd(
    offset(value),
    offset(m),
    offset(v),
    offset(gradient),
    offset(newValue),
    offset(newM),
    offset(newV),
    vector,
    beta1,
    beta2,
    rest1,
    rest2,
    a1,
    s2,
    epsilon,
  );
  if (vector < n) {
    const w = heapF32(backend, value);
    const m0 = heapF32(backend, m);
    const v0 = heapF32(backend, v);
    const g = heapF32(backend, gradient);
    const w1 = heapF32(backend, newValue);
    const m1 = heapF32(backend, newM);
    const v1 = heapF32(backend, newV);
    const f = Math.fround;
    for (let i = vector; i < n; i++) {
      const gi = g[i] as number;
      const mi = flushed(f(f(f(m0[i] as number) * f(beta1)) + f(gi * rest1)));
      const vi = flushed(f(f(f(v0[i] as number) * f(beta2)) + f(f(gi * gi) * rest2)));
      m1[i] = mi;
      v1[i] = vi;
      w1[i] = f(mi * f(a1)) / (f(Math.sqrt(vi)) * f(s2) + f(epsilon)) + (w[i] as number);
    }
  }
  return [newValue, newM, newV];
}
