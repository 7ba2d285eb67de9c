import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { expectNoTensorLeak, expectTensorClose } from '../testing/index.js';
import { bernoulliLikelihood, gaussianLikelihood, learnedGaussianLikelihood, resolveLikelihood } from './index.js';

const LN2 = Math.log(2);
const LOG_2PI = Math.log(2 * Math.PI);

describe('BernoulliLikelihood', () => {
  it('matches hand-computed log-probabilities, summed per example', () => {
    const lik = bernoulliLikelihood();
    // logits 0 -> p = 0.5 for every pixel; two pixels -> 2 ln 0.5
    expectTensorClose(lik.logProb(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]])), [-2 * LN2]);
    // logit ln 3 -> p = 0.75: x=1 gives ln 0.75, x=0 gives ln 0.25, x=0.5 gives 0.5 ln .75 + 0.5 ln .25
    const l = Math.log(3);
    expectTensorClose(
      lik.logProb(tf.tensor2d([[1, 0, 0.5]]), tf.tensor2d([[l, l, l]])),
      [Math.log(0.75) + Math.log(0.25) + 0.5 * (Math.log(0.75) + Math.log(0.25))],
      { rtol: 1e-5 },
    );
  });

  it('stays finite, and exact, for very large logits', () => {
    const lik = bernoulliLikelihood();
    const logp = lik.logProb(tf.tensor2d([[1, 0, 1, 0]]), tf.tensor2d([[200, -200, -200, 200]]));
    expectTensorClose(logp, [-400], { rtol: 1e-6 });
    const grad = tf.grad((l: tf.Tensor) => lik.logProb(tf.tensor2d([[1, 0]]), l))(tf.tensor2d([[500, 500]]));
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    expectTensorClose(grad, [[0, -1]], { atol: 1e-6 });
  });

  it('gives the sigmoid as mean and keeps the data shape for params', () => {
    const lik = bernoulliLikelihood();
    expectTensorClose(lik.mean(tf.tensor1d([0, Math.log(3)])), [0.5, 0.75]);
    expect(lik.paramShape([28, 28, 1])).toEqual([28, 28, 1]);
    expect(lik.toConfig()).toEqual({ kind: 'bernoulli' });
  });
});

describe('GaussianLikelihood', () => {
  it('is the Gaussian log-density with every constant, in nats', () => {
    const sigma = 0.5;
    const lik = gaussianLikelihood({ sigma });
    const x = tf.tensor2d([
      [1, 2],
      [0, 0],
    ]);
    const mean = tf.tensor2d([
      [0, 2],
      [0, 1],
    ]);
    const c = -0.5 * (LOG_2PI + 2 * Math.log(sigma));
    expectTensorClose(lik.logProb(x, mean), [2 * c - 0.5 / 0.25, 2 * c - 0.5 / 0.25]);
    expect(lik.toConfig()).toEqual({ kind: 'gaussian', sigma: 0.5 });
  });

  it('with sigma 1 is half the squared error plus the constant (MSE training in nats)', () => {
    const lik = gaussianLikelihood();
    const x = tf.tensor3d([[[0.2], [0.9]]]);
    const m = tf.tensor3d([[[0.5], [0.1]]]);
    const sq = 0.3 ** 2 + 0.8 ** 2;
    expectTensorClose(lik.logProb(x, m), [-0.5 * sq - LOG_2PI], { rtol: 1e-6 });
  });

  it('rejects a non-positive sigma with a ConfigError', () => {
    expect(() => gaussianLikelihood({ sigma: 0 })).toThrow(ConfigError);
    expect(() => gaussianLikelihood({ sigma: -1 })).toThrow(/sigma must be a finite number/);
  });
});

describe('LearnedGaussianLikelihood', () => {
  it('scalar: uses its own variable, initialised to initialLogVar', () => {
    const lik = learnedGaussianLikelihood({ variance: 'scalar', initialLogVar: Math.log(4) });
    lik.build([2]);
    expect(lik.trainableVariables).toHaveLength(1);
    expect(lik.trainableVariables[0].shape).toEqual([]);
    const x = tf.tensor2d([[1, 0]]);
    const m = tf.tensor2d([[0, 0]]);
    // per value: -0.5 * ((x-m)^2 / 4 + ln 4 + ln 2pi)
    expectTensorClose(lik.logProb(x, m), [-0.5 * (0.25 + 2 * Math.log(4) + 2 * LOG_2PI)], { rtol: 1e-6 });
    lik.dispose();
    lik.dispose();
  });

  it('channel: one log-variance per channel, broadcast over pixels', () => {
    const lik = learnedGaussianLikelihood({ variance: 'channel' });
    lik.build([2, 2, 3]);
    expect(lik.trainableVariables[0].shape).toEqual([3]);
    lik.trainableVariables[0].assign(tf.tensor1d([0, Math.log(2), Math.log(0.5)]));
    const x = tf.ones([1, 2, 2, 3]);
    const m = tf.zeros([1, 2, 2, 3]);
    const perPixel = 1 + (0.5 + Math.log(2)) + (2 + Math.log(0.5)) + 3 * LOG_2PI;
    expectTensorClose(lik.logProb(x, m), [-0.5 * 4 * perPixel], { rtol: 1e-6 });
    lik.dispose();
  });

  it('pixel: reads mean and log-variance side by side from the decoder output', () => {
    const lik = learnedGaussianLikelihood({ variance: 'pixel' });
    lik.build([2]);
    expect(lik.trainableVariables).toEqual([]);
    expect(lik.paramShape([4, 4, 3])).toEqual([4, 4, 6]);
    const params = tf.tensor2d([[0.5, 1, 0, Math.log(2)]]); // means [0.5, 1], logVars [0, ln 2]
    const x = tf.tensor2d([[1.5, 1]]);
    expectTensorClose(lik.logProb(x, params), [-0.5 * (1 + 0 + LOG_2PI + 0 + Math.log(2) + LOG_2PI)], { rtol: 1e-6 });
    expectTensorClose(lik.mean(params), [[0.5, 1]]);
  });

  it('says how to fix a likelihood used before build', () => {
    const lik = learnedGaussianLikelihood();
    expect(() => lik.logProb(tf.ones([1, 2]), tf.ones([1, 2]))).toThrow(/call likelihood.build\(dataShape\)/);
  });

  it('rejects an unknown variance', () => {
    expect(() => learnedGaussianLikelihood({ variance: 'diagonal' as 'scalar' })).toThrow(ConfigError);
  });
});

describe('resolveLikelihood', () => {
  it('accepts kinds, configs and objects, and names the choices otherwise', () => {
    expect(resolveLikelihood('bernoulli').kind).toBe('bernoulli');
    expect(resolveLikelihood({ kind: 'gaussian', sigma: 2 }).toConfig()).toEqual({ kind: 'gaussian', sigma: 2 });
    const own = gaussianLikelihood();
    expect(resolveLikelihood(own)).toBe(own);
    expect(resolveLikelihood({ kind: 'learned-gaussian', variance: 'channel', initialLogVar: 1 }).toConfig()).toEqual({
      kind: 'learned-gaussian',
      variance: 'channel',
      initialLogVar: 1,
    });
    expect(() => resolveLikelihood('poisson' as 'bernoulli')).toThrow(
      /likelihood must be 'bernoulli', 'gaussian', 'learned-gaussian'/,
    );
  });
});

describe('likelihood memory', () => {
  it('logProb and mean leak nothing', async () => {
    const x = tf.ones([2, 3, 3, 2]);
    const p = tf.zeros([2, 3, 3, 2]);
    const p2 = tf.zeros([2, 3, 3, 4]);
    const learned = learnedGaussianLikelihood({ variance: 'channel' });
    learned.build([3, 3, 2]);
    const pixel = learnedGaussianLikelihood({ variance: 'pixel' });
    for (const [lik, params] of [
      [bernoulliLikelihood(), p],
      [gaussianLikelihood(), p],
      [learned, p],
      [pixel, p2],
    ] as const) {
      await expectNoTensorLeak(() => [lik.logProb(x, params), lik.mean(params)]);
    }
    learned.dispose();
    tf.dispose([x, p, p2]);
  });
});
