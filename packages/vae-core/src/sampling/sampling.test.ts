import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors/index.js';
import { expectNoTensorLeak, expectTensorClose } from '../testing/index.js';
import { interpolateLatents, reparameterize, samplePrior, traverseLatent } from './index.js';

describe('reparameterize', () => {
  it('is mean + exp(logVar / 2) * eps, with the requested moments', () => {
    const n = 20000;
    const mean = tf.fill([n, 2], 3);
    const logVar = tf.tile(tf.tensor2d([[Math.log(4), Math.log(0.25)]]), [n, 1]);
    const z = reparameterize(mean, logVar, { seed: 11 });
    const { mean: m, variance: v } = tf.moments(z, 0);
    expectTensorClose(m, [3, 3], { atol: 0.05 });
    expectTensorClose(v, [4, 0.25], { rtol: 0.05 });
  });

  it('with a seed gives the same numbers every time; without one, fresh numbers', () => {
    const m = tf.zeros([4, 3]);
    const a = reparameterize(m, m, { seed: 5 });
    const b = reparameterize(m, m, { seed: 5 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const c = reparameterize(m, m);
    expect(Array.from(c.dataSync())).not.toEqual(Array.from(a.dataSync()));
  });

  it('passes gradients to mean and logVar', () => {
    const grads = tf.grads((m: tf.Tensor, v: tf.Tensor) => tf.sum(reparameterize(m, v, { seed: 1 })))([
      tf.zeros([1, 2]),
      tf.zeros([1, 2]),
    ]);
    expectTensorClose(grads[0], [[1, 1]]);
    const eps = reparameterize(tf.zeros([1, 2]), tf.zeros([1, 2]), { seed: 1 });
    expectTensorClose(grads[1], tf.mul(eps, 0.5), { rtol: 1e-5 });
  });

  it('rejects a non-finite seed', () => {
    expect(() => reparameterize(tf.zeros([1, 1]), tf.zeros([1, 1]), { seed: Number.NaN })).toThrow(
      /seed must be a finite number/,
    );
  });
});

describe('samplePrior', () => {
  it('draws [n, latentDim], reproducibly with a seed', () => {
    const a = samplePrior(6, 4, { seed: 2 });
    expect(a.shape).toEqual([6, 4]);
    expect(Array.from(samplePrior(6, 4, { seed: 2 }).dataSync())).toEqual(Array.from(a.dataSync()));
  });

  it('says what to pass for a bad n', () => {
    expect(() => samplePrior(0, 2)).toThrow(ConfigError);
    expect(() => samplePrior(2.5, 2)).toThrow(/n must be a positive integer, got 2.5/);
  });
});

describe('interpolateLatents', () => {
  it('linear: evenly spaced points, ends included', () => {
    const path = interpolateLatents(tf.tensor1d([0, 0]), tf.tensor2d([[4, 8]]), 5);
    expectTensorClose(path, [
      [0, 0],
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
    ]);
  });

  it('spherical: stays on the unit circle between orthogonal unit vectors', () => {
    const path = interpolateLatents(tf.tensor1d([1, 0]), tf.tensor1d([0, 1]), 3, { method: 'spherical' });
    const h = Math.SQRT1_2;
    expectTensorClose(
      path,
      [
        [1, 0],
        [h, h],
        [0, 1],
      ],
      { atol: 1e-5 },
    );
  });

  it('spherical: falls back to linear for parallel vectors (no NaN)', () => {
    const path = interpolateLatents(tf.tensor1d([1, 1]), tf.tensor1d([2, 2]), 3, { method: 'spherical' });
    expectTensorClose(
      path,
      [
        [1, 1],
        [1.5, 1.5],
        [2, 2],
      ],
      { atol: 1e-5 },
    );
  });

  it('rejects batches and mismatched sizes with a ShapeError', () => {
    expect(() => interpolateLatents(tf.zeros([2, 3]), tf.zeros([3]), 4)).toThrow(ShapeError);
    expect(() => interpolateLatents(tf.zeros([3]), tf.zeros([2]), 4)).toThrow(/a and b must have the same size/);
    expect(() => interpolateLatents(tf.zeros([3]), tf.zeros([3]), 1)).toThrow(/steps must be an integer >= 2/);
    expect(() => interpolateLatents(tf.zeros([3]), tf.zeros([3]), 4, { method: 'cubic' as 'linear' })).toThrow(
      ConfigError,
    );
  });
});

describe('traverseLatent', () => {
  it('varies one dimension and keeps the others', () => {
    const zs = traverseLatent(tf.tensor1d([5, 6, 7]), 1, { min: -1, max: 1, steps: 3 });
    expectTensorClose(zs, [
      [5, -1, 7],
      [5, 0, 7],
      [5, 1, 7],
    ]);
    expectTensorClose(traverseLatent(tf.tensor2d([[1, 2]]), 0, [9]), [[9, 2]]);
  });

  it('names the valid range for a bad dimension', () => {
    expect(() => traverseLatent(tf.zeros([3]), 3, [0])).toThrow(/dimension must be below latentDim 3, got 3/);
  });
});

describe('sampling memory', () => {
  it('leaks nothing', async () => {
    const m = tf.zeros([2, 3]);
    const a = tf.tensor1d([1, 0, 0]);
    const b = tf.tensor1d([0, 1, 0]);
    await expectNoTensorLeak(() => [
      reparameterize(m, m, { seed: 1 }),
      samplePrior(3, 3, { seed: 1 }),
      interpolateLatents(a, b, 4),
      interpolateLatents(a, b, 4, { method: 'spherical' }),
      traverseLatent(a, 2, { min: -2, max: 2, steps: 5 }),
    ]);
    tf.dispose([m, a, b]);
  });
});
