import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { VAEError } from '../errors/index.js';
import { expectNoTensorLeak, expectTensorClose, makeToyImages, makeToyLabels, TensorAssertionError } from './index.js';

describe('@vae/core/test helpers', () => {
  it('expectNoTensorLeak passes clean code and names the count for leaky code', async () => {
    await expectNoTensorLeak(() => tf.tidy(() => tf.add(tf.ones([2]), 1)));
    const kept: tf.Tensor[] = [];
    await expect(expectNoTensorLeak(() => void kept.push(tf.ones([1])))).rejects.toThrow(/1 tensor\(s\) leaked/);
    tf.dispose(kept);
    const error = await expectNoTensorLeak(() => void kept.push(tf.ones([1]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TensorAssertionError);
    expect(VAEError.isInstance(error)).toBe(true);
    tf.dispose(kept);
  });

  it('expectTensorClose checks shape and tolerance', () => {
    expectTensorClose(tf.tensor1d([1, 2]), [1, 2.000001]);
    expectTensorClose(tf.scalar(3), 3);
    expect(() => expectTensorClose(tf.tensor1d([1, 2]), [1, 2.1])).toThrow(/value 1 is 2, expected 2.09/);
    expect(() => expectTensorClose(tf.tensor1d([1, 2]), [[1, 2]])).toThrow(/shapes differ/);
    expect(() => expectTensorClose(tf.tensor1d([Number.NaN]), [0])).toThrow(TensorAssertionError);
  });

  it('toy data is deterministic and in range', () => {
    const a = makeToyImages(3, [4, 4, 2], { seed: 2 });
    const b = makeToyImages(3, [4, 4, 2], { seed: 2 });
    expect(a.shape).toEqual([3, 4, 4, 2]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(tf.max(a).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(tf.min(a).dataSync()[0]).toBeGreaterThanOrEqual(0);
    const binary = makeToyImages(2, [5], { binary: true }).dataSync();
    expect(Array.from(binary).every((v) => v === 0 || v === 1)).toBe(true);
    const labels = makeToyLabels(20, 3);
    expect(labels.dtype).toBe('int32');
    expect(Array.from(labels.dataSync()).every((v) => v >= 0 && v < 3)).toBe(true);
  });
});
