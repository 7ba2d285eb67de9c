import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, reparameterize, ShapeError } from '@vae/core';
import { expectNoTensorLeak, expectTensorClose } from '@vae/core/test';
import { describe, expect, it } from 'vitest';
import { Sampling, sampling } from './sampling.js';

describe('Sampling', () => {
  it('is mean + exp(logVar / 2) * eps, with eps the seeded standard normal draws', () => {
    const mean = tf.tensor2d([
      [1, -2, 0.5],
      [0, 3, -1],
    ]);
    const logVar = tf.tensor2d([
      [0, Math.log(4), Math.log(0.25)],
      [Math.log(9), 0, -1],
    ]);
    const eps = tf.randomNormal([2, 3], 0, 1, 'float32', 17).arraySync() as number[][];
    const lv = logVar.arraySync() as number[][];
    const m = mean.arraySync() as number[][];
    const expected = m.map((row, i) => row.map((mu, j) => mu + Math.exp(lv[i]![j]! / 2) * eps[i]![j]!));
    const z = sampling({ seed: 17 }).apply([mean, logVar]) as tf.Tensor;
    expectTensorClose(z, expected, { rtol: 1e-5, atol: 1e-6 });
  });

  it('returns the mean when logVar is very negative', () => {
    const mean = tf.tensor2d([[0.25, -4, 7]]);
    const z = sampling().apply([mean, tf.fill([1, 3], -80)]) as tf.Tensor;
    expectTensorClose(z, [[0.25, -4, 7]], { atol: 1e-12 });
  });

  it('advances its seed per call: the k-th call draws as reparameterize with seed + k', () => {
    const mean = tf.zeros([2, 2]);
    const logVar = tf.zeros([2, 2]);
    const layer = sampling({ seed: 40 });
    const first = layer.apply([mean, logVar]) as tf.Tensor;
    const second = layer.apply([mean, logVar]) as tf.Tensor;
    expectTensorClose(first, reparameterize(mean, logVar, { seed: 40 }));
    expectTensorClose(second, reparameterize(mean, logVar, { seed: 41 }));
    const again = sampling({ seed: 40 }).apply([mean, logVar]) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(first.dataSync()));
  });

  it('draws fresh noise without a seed', () => {
    const layer = sampling();
    const a = layer.apply([tf.zeros([1, 8]), tf.zeros([1, 8])]) as tf.Tensor;
    const b = layer.apply([tf.zeros([1, 8]), tf.zeros([1, 8])]) as tf.Tensor;
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
  });

  it('with meanAtInference returns the mean in predict and samples in training', () => {
    const mean = tfl.input({ shape: [2] });
    const logVar = tfl.input({ shape: [2] });
    const z = sampling({ meanAtInference: true, seed: 1 }).apply([mean, logVar]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [mean, logVar], outputs: z });
    const m = tf.tensor2d([[1, 2]]);
    const lv = tf.zeros([1, 2]);
    expectTensorClose(model.predict([m, lv]) as tf.Tensor, [[1, 2]]);
    const trained = model.apply([m, lv], { training: true }) as tf.Tensor;
    expectTensorClose(trained, reparameterize(m, lv, { seed: 1 }));
  });

  it('computes its output shape symbolically', () => {
    const mean = tfl.input({ shape: [5] });
    const logVar = tfl.input({ shape: [5] });
    const z = sampling().apply([mean, logVar]) as tfl.SymbolicTensor;
    expect(z.shape).toEqual([null, 5]);
    expect(
      new Sampling().computeOutputShape([
        [3, 4],
        [3, 4],
      ]),
    ).toEqual([3, 4]);
  });

  it('passes gradients to mean and logVar', () => {
    const layer = sampling({ seed: 2 });
    const [gMean, gLogVar] = tf.grads((m: tf.Tensor, v: tf.Tensor) => tf.sum(layer.apply([m, v]) as tf.Tensor))([
      tf.zeros([1, 2]),
      tf.zeros([1, 2]),
    ]);
    expectTensorClose(gMean!, [[1, 1]]);
    const eps = reparameterize(tf.zeros([1, 2]), tf.zeros([1, 2]), { seed: 2 });
    expectTensorClose(gLogVar!, tf.mul(eps, 0.5), { rtol: 1e-5 });
  });

  it('round-trips its config', () => {
    const layer = new Sampling({ seed: 9, meanAtInference: true, name: 'z_sampler' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ seed: 9, meanAtInference: true, name: 'z_sampler' });
    const copy = Sampling.fromConfig(Sampling, config) as Sampling;
    expect(copy).toBeInstanceOf(Sampling);
    expect(copy.seed).toBe(9);
    expect(copy.meanAtInference).toBe(true);
    expect(copy.getConfig()).toEqual(config);
    expect(new Sampling().getConfig()).toMatchObject({ seed: null, meanAtInference: false });
    expect(Sampling.className).toBe('VaeSampling');
  });

  it('rejects a bad seed and mismatched inputs with what to pass', () => {
    expect(() => sampling({ seed: Number.NaN })).toThrow(ConfigError);
    expect(() => sampling({ seed: Number.NaN })).toThrow(/Sampling: seed must be a finite number, got NaN/);
    const layer = sampling();
    expect(() => layer.apply([tfl.input({ shape: [2] }), tfl.input({ shape: [3] })])).toThrow(ShapeError);
    expect(() => layer.apply([tfl.input({ shape: [2] }), tfl.input({ shape: [3] })])).toThrow(
      /mean and logVar must have the same shape, got \[null, 2\] and \[null, 3\]/,
    );
    expect(() => sampling().apply(tf.zeros([1, 2]))).toThrow(/expected two inputs \[mean, logVar\]/);
  });

  it('leaks no tensors', async () => {
    const mean = tf.zeros([4, 3]);
    const logVar = tf.zeros([4, 3]);
    const layer = sampling({ seed: 3 });
    await expectNoTensorLeak(() => layer.apply([mean, logVar]));
    const inference = sampling({ meanAtInference: true });
    await expectNoTensorLeak(() => inference.apply([mean, logVar]));
  });
});
