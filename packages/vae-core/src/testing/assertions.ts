import * as tf from '@tensorflow/tfjs-core';
import { VAEError, type VAEErrorOptions } from '../errors/index.js';
import { hasBrand, setBrand } from '../errors/vae-error.js';

const TENSOR_ASSERTION_ERROR_BRAND = Symbol.for('@vae/core/TensorAssertionError');

/**
 * A test assertion failed. Thrown by the helpers of `@vae/core/test`, which do not depend on a
 * test runner.
 *
 * @category Testing
 */
export class TensorAssertionError extends VAEError {
  override readonly name: string = 'TensorAssertionError';

  /**
   * @param message - What differs, where, by how much.
   * @param options - An optional `cause`.
   */
  constructor(message: string, options: VAEErrorOptions = {}) {
    super(message, options);
    setBrand(this, TENSOR_ASSERTION_ERROR_BRAND);
  }

  /**
   * Whether `value` is a {@link TensorAssertionError}, from this or any other copy of the
   * package; other {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the TensorAssertionError brand.
   */
  static override isInstance(value: unknown): value is TensorAssertionError {
    return hasBrand(value, TENSOR_ASSERTION_ERROR_BRAND);
  }
}

/**
 * Options of {@link expectNoTensorLeak}.
 *
 * @category Testing
 */
export interface NoLeakOptions {
  /** Calls made before counting, so that lazily created state (weights, kernels) is excluded. @defaultValue 1 */
  burnIn?: number;
}

/**
 * Checks that `fn` leaves `tf.memory().numTensors` unchanged. Tensors that `fn` returns (alone,
 * or in arrays and objects) are disposed before counting: they are the caller's by contract.
 *
 * @param fn - The code under test, sync or async.
 * @param options - `burnIn` calls before the measured one.
 * @returns Resolves when the check passed.
 * @throws {@link TensorAssertionError} naming the number of leaked tensors.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * import { expectNoTensorLeak, makeToyImages } from '@vae/core/test';
 * const vae = buildMlpVAE({ inputShape: [4, 4, 1], hiddenUnits: [8], latentDim: 2 });
 * const x = makeToyImages(2, [4, 4, 1]);
 * await expectNoTensorLeak(() => vae.reconstruct(x));
 * ```
 * @category Testing
 */
export async function expectNoTensorLeak(fn: () => unknown, options: NoLeakOptions = {}): Promise<void> {
  const burnIn = options.burnIn ?? 1;
  const run = async (): Promise<void> => {
    const result = await fn();
    tf.dispose(collectTensors(result));
  };
  for (let i = 0; i < burnIn; i++) await run();
  const before = tf.memory().numTensors;
  await run();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new TensorAssertionError(
      `expectNoTensorLeak: ${after - before} tensor(s) leaked (${before} before, ${after} after). Wrap the synchronous part in tf.tidy, or dispose intermediates in a finally block.`,
    );
  }
}

function collectTensors(value: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (value instanceof tf.Tensor) {
    out.push(value);
  } else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const v of Array.isArray(value) ? value : Object.values(value)) collectTensors(v, out, seen);
  }
  return out;
}

/**
 * Options of {@link expectTensorClose}.
 *
 * @category Testing
 */
export interface CloseOptions {
  /** Relative tolerance. @defaultValue 1e-5 */
  rtol?: number;
  /** Absolute tolerance. @defaultValue 1e-6 */
  atol?: number;
}

/**
 * Checks that two tensors (or a tensor and plain numbers) have the same shape and that every
 * value satisfies `|a - e| <= atol + rtol * |e|`. Reads values back synchronously: for tests.
 *
 * @param actual - The tensor under test.
 * @param expected - A tensor, a number, or a nested array of numbers.
 * @param options - `rtol` and `atol`.
 * @throws {@link TensorAssertionError} naming the shape mismatch or the worst value.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { expectTensorClose } from '@vae/core/test';
 * expectTensorClose(tf.tensor1d([1, 2]), [1, 2.000001]);
 * ```
 * @category Testing
 */
export function expectTensorClose(
  actual: tf.Tensor,
  expected: tf.Tensor | number | number[] | number[][] | number[][][] | number[][][][],
  options: CloseOptions = {},
): void {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  const exp = expected instanceof tf.Tensor ? expected : tf.tensor(expected as number[]);
  try {
    const shapeOk =
      typeof expected === 'number'
        ? actual.size === 1
        : actual.rank === exp.rank && actual.shape.every((d, i) => d === exp.shape[i]);
    if (!shapeOk) {
      throw new TensorAssertionError(
        `expectTensorClose: shapes differ: actual [${actual.shape.join(', ')}], expected [${exp.shape.join(', ')}].`,
      );
    }
    const a = actual.dataSync();
    const e = exp.dataSync();
    let worst = -1;
    let worstExcess = 0;
    for (let i = 0; i < a.length; i++) {
      const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
      if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
        worst = i;
        worstExcess = excess;
      }
    }
    if (worst >= 0) {
      throw new TensorAssertionError(
        `expectTensorClose: value ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol}).`,
      );
    }
  } finally {
    if (exp !== expected) exp.dispose();
  }
}
