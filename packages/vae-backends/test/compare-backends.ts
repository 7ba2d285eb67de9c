// Runs the same computation on the cpu and wasm backends and compares the results.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Runs `f` on each backend (inside tidy) and returns its outputs as arrays. */
export async function onBackends(
  backends: readonly string[],
  f: () => tf.Tensor[],
): Promise<Record<string, Float32Array[]>> {
  const out: Record<string, Float32Array[]> = {};
  const previous = tf.getBackend();
  try {
    for (const name of backends) {
      await tf.setBackend(name);
      expect(tf.getBackend()).toBe(name);
      const tensors = tf.tidy(f);
      out[name] = tensors.map((t) => t.dataSync() as Float32Array);
      tf.dispose(tensors);
    }
  } finally {
    await tf.setBackend(previous);
  }
  return out;
}

/** Largest absolute difference relative to the largest magnitude of `expected`. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Asserts every output of wasm matches cpu to `tolerance` (relative to each output's scale). */
export function expectSameOnBackends(results: Record<string, Float32Array[]>, tolerance = 1e-5): void {
  const cpu = results['cpu'] as Float32Array[];
  const wasm = results['wasm'] as Float32Array[];
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((expected, i) => {
    const actual = wasm[i] as Float32Array;
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(relativeError(actual, expected), `output ${i}`).toBeLessThan(tolerance);
  });
}
