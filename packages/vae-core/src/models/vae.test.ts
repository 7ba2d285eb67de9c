import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildConditionalVAE, buildMlpVAE } from '../builders/index.js';
import { ConfigError, DisposedError, ShapeError } from '../errors/index.js';
import { bernoulliLikelihood, klStandardNormal, learnedGaussianLikelihood } from '../losses/index.js';
import { expectNoTensorLeak, expectTensorClose, makeToyImages, makeToyLabels } from '../testing/index.js';

const tiny = (extra: Parameters<typeof buildMlpVAE>[0] = {}) =>
  buildMlpVAE({ inputShape: [3, 3, 1], hiddenUnits: [6], latentDim: 2, seed: 1, ...extra });

describe('VAE shapes and roles', () => {
  it('encode, decodeParams, decode, reconstruct, sample and interpolate give the documented shapes', () => {
    const vae = tiny();
    const x = makeToyImages(4, [3, 3, 1]);
    const { mean, logVar } = vae.encode(x);
    expect(mean.shape).toEqual([4, 2]);
    expect(logVar.shape).toEqual([4, 2]);
    const logits = vae.decodeParams(mean);
    const probs = vae.decode(mean);
    expect(logits.shape).toEqual([4, 3, 3, 1]);
    // decode is the likelihood's mean of decodeParams: the sigmoid of the logits for Bernoulli
    expectTensorClose(probs, tf.sigmoid(logits), { rtol: 1e-6 });
    expectTensorClose(vae.reconstruct(x), probs, { rtol: 1e-6 });
    expect(vae.reconstruct(x, { sample: true, seed: 1 }).shape).toEqual([4, 3, 3, 1]);
    expect(vae.sample(5, { seed: 1 }).shape).toEqual([5, 3, 3, 1]);
    const a = tf.slice(x, 0, 1);
    const path = vae.interpolate(tf.squeeze(a, [0]), tf.slice(x, 1, 1), 4, { method: 'spherical' });
    expect(path.shape).toEqual([4, 3, 3, 1]);
    // the ends of the path decode the two posterior means
    expectTensorClose(tf.slice(path, 0, 1), tf.slice(probs, 0, 1), { rtol: 1e-4, atol: 1e-5 });
    expect(vae.latentDim).toBe(2);
    expect(vae.inputShape).toEqual([3, 3, 1]);
    expect(vae.numClasses).toBe(0);
    expect(vae.config.builder).toBe('buildMlpVAE');
    vae.dispose();
  });

  it('sample with the same seed gives the same pictures; temperature 0 decodes z = 0', () => {
    const vae = tiny();
    const a = vae.sample(3, { seed: 9 });
    const b = vae.sample(3, { seed: 9 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expectTensorClose(vae.sample(2, { temperature: 0 }), vae.decode(tf.zeros([2, 2])));
    vae.dispose();
  });
});

describe('VAE.lossTerms', () => {
  it('total = reconstruction + klWeight * beta * KL, each a mean over the batch in nats', () => {
    const vae = tiny({ beta: 3 });
    const x = makeToyImages(5, [3, 3, 1]);
    const { total, reconstruction, kl } = vae.lossTerms(x, { seed: 4, klWeight: 0.5 });
    const { mean, logVar } = vae.encode(x);
    expectTensorClose(kl, tf.mean(klStandardNormal(mean, logVar)), { rtol: 1e-5 });
    // reconstruction = -log p(x | z) with the same seeded z
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal([5, 2], 0, 1, 'float32', 4)));
    const logp = bernoulliLikelihood().logProb(x, vae.decodeParams(z));
    expectTensorClose(reconstruction, tf.neg(tf.mean(logp)), { rtol: 1e-5 });
    expectTensorClose(total, tf.add(reconstruction, tf.mul(kl, 1.5)), { rtol: 1e-6 });
    expect(total.shape).toEqual([]);
    const perExample = vae.lossTermsPerExample(x, { seed: 4, klWeight: 0.5 });
    expect(perExample.total.shape).toEqual([5]);
    expectTensorClose(tf.mean(perExample.reconstruction), reconstruction, { rtol: 1e-5 });
    expectTensorClose(tf.mean(perExample.kl), kl, { rtol: 1e-5 });
    expectTensorClose(perExample.total, tf.add(perExample.reconstruction, tf.mul(perExample.kl, 1.5)), { rtol: 1e-6 });
    vae.dispose();
  });

  it('uses given eps as the noise: equal to the seeded draw, and row-wise, so split batches agree', async () => {
    const vae = tiny({ beta: 2 });
    const x = makeToyImages(6, [3, 3, 1]);
    const eps = tf.randomNormal([6, 2], 0, 1, 'float32', 11);
    // Same noise as the seed that drew it (the seed is ignored when eps is given).
    const seeded = vae.lossTerms(x, { seed: 11, klWeight: 0.5 });
    const given = vae.lossTerms(x, { eps, seed: 99, klWeight: 0.5 });
    expectTensorClose(given.total, seeded.total, { rtol: 1e-6 });
    expectTensorClose(given.reconstruction, seeded.reconstruction, { rtol: 1e-6 });
    // By hand: z = mean + exp(logVar / 2) * eps.
    const { mean, logVar } = vae.encode(x);
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const perExample = vae.lossTermsPerExample(x, { eps });
    expectTensorClose(perExample.reconstruction, tf.neg(bernoulliLikelihood().logProb(x, vae.decodeParams(z))), {
      rtol: 1e-5,
    });
    // The first 2 and last 4 rows with their rows of eps average (weighted) to the whole batch.
    const [x1, x2] = tf.split(x, [2, 4], 0);
    const [e1, e2] = tf.split(eps, [2, 4], 0);
    const a = vae.lossTerms(x1 as tf.Tensor, { eps: e1 as tf.Tensor, klWeight: 0.5 }).total;
    const b = vae.lossTerms(x2 as tf.Tensor, { eps: e2 as tf.Tensor, klWeight: 0.5 }).total;
    expectTensorClose(tf.div(tf.add(tf.mul(a, 2), tf.mul(b, 4)), 6), given.total, { rtol: 1e-5 });
    await expectNoTensorLeak(() => vae.lossTerms(x, { eps }));
    await expectNoTensorLeak(() => vae.lossTermsPerExample(x, { eps }));
    vae.dispose();
  });

  it('rejects eps of the wrong shape with a ShapeError naming the expected shape', () => {
    const vae = tiny();
    const x = makeToyImages(3, [3, 3, 1]);
    for (const shape of [
      [2, 2],
      [3, 3],
      [3, 2, 1],
    ]) {
      const eps = tf.zeros(shape);
      expect(() => vae.lossTerms(x, { eps })).toThrow(ShapeError);
      expect(() => vae.lossTermsPerExample(x, { eps })).toThrow(/eps must have shape \[3, 2\]/);
      eps.dispose();
    }
    vae.dispose();
  });

  it('applies free bits to the KL term of total only', () => {
    const plain = tiny();
    const floored = tiny({ freeBits: 5 });
    const x = makeToyImages(3, [3, 3, 1]);
    const a = plain.lossTerms(x, { seed: 1 });
    const b = floored.lossTerms(x, { seed: 1 });
    expectTensorClose(b.kl, a.kl, { rtol: 1e-6 });
    // every dimension's KL is far below 5 nats at initialisation: the term is 2 dims x 5 nats
    expectTensorClose(b.total, tf.add(b.reconstruction, 10), { rtol: 1e-6 });
    plain.dispose();
    floored.dispose();
  });

  it('has gradients equal to finite differences on a tiny model', () => {
    const vae = buildMlpVAE({
      inputShape: [3],
      hiddenUnits: [4],
      latentDim: 2,
      activation: 'tanh',
      likelihood: learnedGaussianLikelihood({ variance: 'channel' }),
      beta: 2,
      freeBits: 0,
      seed: 3,
    });
    const x = tf.tensor2d([
      [0.1, -0.4, 0.8],
      [0.5, 0.2, -0.3],
    ]);
    const loss = (): tf.Scalar => vae.lossTerms(x, { seed: 7 }).total;
    const vars = vae.trainableVariables;
    expect(vars.length).toBe(2 * 2 + 2 * 2 + 2 + 1); // enc hidden + heads, dec hidden + out, logVar
    const { grads } = tf.variableGrads(loss, vars);
    const eps = 1e-2;
    let checked = 0;
    for (const v of vars) {
      const analytic = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      for (const i of [0, base.length - 1]) {
        const at = (delta: number): number => {
          const values = base.slice();
          values[i] += delta;
          v.assign(tf.tensor(values, v.shape));
          return tf.tidy(() => loss().dataSync()[0]);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(numeric - analytic[i])).toBeLessThan(2e-2 + 2e-2 * Math.abs(analytic[i]));
        checked++;
      }
    }
    expect(checked).toBe(2 * vars.length);
    vae.dispose();
  });

  it('training: true enables dropout; false is deterministic', () => {
    const vae = tiny({ dropout: 0.5 });
    const x = makeToyImages(2, [3, 3, 1]);
    const a = vae.encode(x).mean.dataSync();
    const b = vae.encode(x).mean.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const runs = Array.from({ length: 4 }, () => Array.from(vae.encode(x, { training: true }).mean.dataSync()));
    expect(runs.some((r) => r.some((v, i) => Math.abs(v - a[i]) > 1e-6))).toBe(true);
    vae.dispose();
  });

  it('works inside optimizer.minimize over vae.trainableVariables', () => {
    const vae = tiny();
    const x = makeToyImages(4, [3, 3, 1]);
    const optimizer = tf.train.adam(0.05);
    const first = vae.lossTerms(x, { seed: 1 }).total.dataSync()[0];
    for (let i = 0; i < 30; i++) {
      optimizer.minimize(() => vae.lossTerms(x, { seed: i }).total, false, vae.trainableVariables);
    }
    const last = vae.lossTerms(x, { seed: 1 }).total.dataSync()[0];
    expect(last).toBeLessThan(first);
    optimizer.dispose();
    vae.dispose();
  });
});

describe('VAE errors', () => {
  it('ShapeError for data of the wrong shape, with the expected shape and a fix', () => {
    const vae = tiny();
    try {
      vae.encode(tf.zeros([2, 4, 4, 1]));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeError);
      expect((error as ShapeError).expected).toEqual([null, 3, 3, 1]);
      expect((error as Error).message).toMatch(/VAE.encode: x must have shape \[batch, 3, 3, 1\], got \[2, 4, 4, 1\]/);
    }
    expect(() => vae.encode(tf.zeros([3, 3, 1]))).toThrow(/Add a batch axis/);
    expect(() => vae.decode(tf.zeros([2, 3]))).toThrow(/z must have shape \[batch, 2\]/);
    expect(() => vae.sample(0)).toThrow(ConfigError);
    expect(() => vae.encode(tf.zeros([1, 3, 3, 1]), { labels: [1] })).toThrow(/this VAE is unconditional/);
    expect(() => vae.lossTerms(tf.zeros([1, 3, 3, 1]), { klWeight: -1 })).toThrow(
      /klWeight must be a finite number >= 0/,
    );
    vae.dispose();
  });

  it('dispose is idempotent and later use throws DisposedError naming the method', () => {
    const vae = tiny();
    const before = tf.memory().numTensors;
    vae.dispose();
    vae.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    expect(vae.isDisposed).toBe(true);
    for (const call of [
      () => vae.encode(tf.zeros([1, 3, 3, 1])),
      () => vae.decode(tf.zeros([1, 2])),
      () => vae.sample(1),
      () => vae.lossTerms(tf.zeros([1, 3, 3, 1])),
      () => vae.summary({ printFn: null }),
      () => vae.trainableVariables,
    ]) {
      expect(call).toThrow(DisposedError);
    }
    expect(() => vae.encode(tf.zeros([1, 3, 3, 1]))).toThrow(/VAE.encode: this VAE was disposed/);
    return expect(vae.save('file:///tmp/never')).rejects.toThrow(DisposedError);
  });
});

describe('conditional VAE', () => {
  it('takes labels as ids, arrays or one-hot and refuses calls without them', () => {
    const vae = buildConditionalVAE({ inputShape: [3, 3, 1], hiddenUnits: [6], latentDim: 2, numClasses: 3, seed: 1 });
    const x = makeToyImages(4, [3, 3, 1]);
    const ids = makeToyLabels(4, 3);
    const a = vae.encode(x, { labels: ids }).mean;
    const b = vae.encode(x, { labels: tf.oneHot(ids, 3) }).mean;
    expectTensorClose(a, b);
    const c = vae.encode(x, { labels: Array.from(ids.dataSync()) }).mean;
    expectTensorClose(a, c);
    expect(vae.sample(5, { labels: 2, seed: 1 }).shape).toEqual([5, 3, 3, 1]);
    expect(vae.sample(2, { labels: [0, 1] }).shape).toEqual([2, 3, 3, 1]);
    expect(vae.lossTerms(x, { labels: ids }).total.shape).toEqual([]);
    expect(vae.interpolate(tf.slice(x, 0, 1), tf.slice(x, 1, 1), 3, { labels: 1 }).shape).toEqual([3, 3, 3, 1]);
    expect(() => vae.encode(x)).toThrow(/conditional on 3 classes and needs labels/);
    expect(() => vae.sample(2, { labels: 3 })).toThrow(/class ids in \[0, 2\], got 3/);
    expect(() => vae.sample(2, { labels: [1] })).toThrow(ShapeError);
    expect(() => vae.encode(x, { labels: tf.zeros([4, 5]) })).toThrow(/one-hot \[4, 3\], got \[4, 5\]/);
    vae.dispose();
  });
});

describe('VAE summary and counts', () => {
  it('prints encoder, decoder and whole-model tables with totals', () => {
    const vae = tiny();
    const lines: string[] = [];
    const text = vae.summary({ printFn: (l) => lines.push(l) });
    expect(lines.join('\n')).toBe(text);
    expect(text).toMatch(/Model: "encoder"/);
    expect(text).toMatch(/Model: "decoder"/);
    expect(text).toMatch(/Model: "vae"/);
    const counts = vae.countParams();
    // encoder 9*6+6 + 2*(6*2+2) = 88; decoder 2*6+6 + 6*9+9 = 81
    expect(counts).toEqual({ encoder: 88, decoder: 81, likelihood: 0, total: 169 });
    expect(text).toContain('Total params: 169');
    vae.dispose();
  });
});

describe('VAE memory', () => {
  it('no public method that returns tensors leaks', async () => {
    const vae = tiny({ likelihood: learnedGaussianLikelihood({ variance: 'channel' }) });
    const cvae = buildConditionalVAE({ inputShape: [3, 3, 1], hiddenUnits: [4], latentDim: 2, numClasses: 2 });
    const x = makeToyImages(2, [3, 3, 1]);
    const z = tf.zeros([2, 2]);
    const ids = tf.tensor1d([0, 1], 'int32');
    await expectNoTensorLeak(() => vae.encode(x));
    await expectNoTensorLeak(() => vae.encode(x, { training: true }));
    await expectNoTensorLeak(() => vae.decodeParams(z));
    await expectNoTensorLeak(() => vae.decode(z));
    await expectNoTensorLeak(() => vae.reconstruct(x, { sample: true }));
    await expectNoTensorLeak(() => vae.sample(3, { seed: 1 }));
    const [first, second] = tf.split(x, 2, 0);
    await expectNoTensorLeak(() => vae.interpolate(first, second, 3));
    await expectNoTensorLeak(() => vae.lossTerms(x, { training: true }));
    await expectNoTensorLeak(() => vae.lossTermsPerExample(x));
    await expectNoTensorLeak(() => vae.summary({ printFn: null }));
    await expectNoTensorLeak(() => [cvae.encode(x, { labels: ids }), cvae.decode(z, { labels: [1, 0] })]);
    await expectNoTensorLeak(() => cvae.sample(2, { labels: 1 }));
    const optimizer = tf.train.sgd(0.01);
    await expectNoTensorLeak(() => optimizer.minimize(() => vae.lossTerms(x).total, true, vae.trainableVariables), {
      burnIn: 2,
    });
    optimizer.dispose();
    vae.dispose();
    cvae.dispose();
  });
});
