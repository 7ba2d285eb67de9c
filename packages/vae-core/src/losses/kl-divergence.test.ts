import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { reparameterize } from '../sampling/index.js';
import { expectNoTensorLeak, expectTensorClose } from '../testing/index.js';
import {
  diagonalGaussianLogProb,
  klDiagonalGaussian,
  klFreeBits,
  klMonteCarlo,
  klStandardNormal,
  klStandardNormalPerDimension,
  standardNormalLogProb,
} from './index.js';

describe('KL against the standard normal', () => {
  it('matches 0.5 * (var + mean^2 - 1 - logVar), summed over latent dims', () => {
    const mean = tf.tensor2d([
      [1, 0],
      [0.5, -2],
    ]);
    const logVar = tf.tensor2d([
      [0, Math.log(2)],
      [Math.log(0.5), 0],
    ]);
    const row1 = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (2 + 0 - 1 - Math.log(2));
    const row2 = 0.5 * (0.5 + 0.25 - 1 - Math.log(0.5)) + 0.5 * (1 + 4 - 1 - 0);
    expectTensorClose(klStandardNormal(mean, logVar), [row1, row2], { rtol: 1e-6 });
    expectTensorClose(
      klStandardNormalPerDimension(mean, logVar),
      [
        [0.5, 0.5 * (1 - Math.log(2))],
        [0.5 * (-0.25 + Math.log(2)), 2],
      ],
      { rtol: 1e-6 },
    );
  });

  it('is zero for the prior itself', () => {
    expectTensorClose(klStandardNormal(tf.zeros([3, 4]), tf.zeros([3, 4])), [0, 0, 0]);
  });
});

describe('KL between diagonal Gaussians', () => {
  it('equals the standard-normal form when p = N(0, I), and the hand value otherwise', () => {
    const mq = tf.tensor2d([[0.3, -1]]);
    const vq = tf.tensor2d([[0.2, -0.7]]);
    expectTensorClose(klDiagonalGaussian(mq, vq, tf.zeros([2]), tf.zeros([2])), klStandardNormal(mq, vq), {
      rtol: 1e-6,
    });
    // KL(N(0,1) || N(1, 4)) = ln 2 + (1 + 1) / 8 - 0.5
    expectTensorClose(
      klDiagonalGaussian(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.ones([1, 1]), tf.fill([1, 1], Math.log(4))),
      [Math.log(2) + 2 / 8 - 0.5],
      { rtol: 1e-6 },
    );
  });
});

describe('Gaussian log-densities', () => {
  it('match the closed form', () => {
    expectTensorClose(standardNormalLogProb(tf.tensor2d([[1, 0]])), [-0.5 * (1 + 2 * Math.log(2 * Math.PI))], {
      rtol: 1e-6,
    });
    // N(z=2 | 1, var 4): -0.5 (1/4 + ln 4 + ln 2pi)
    expectTensorClose(
      diagonalGaussianLogProb(tf.tensor2d([[2]]), tf.tensor2d([[1]]), tf.tensor2d([[Math.log(4)]])),
      [-0.5 * (0.25 + Math.log(4) + Math.log(2 * Math.PI))],
      { rtol: 1e-6 },
    );
  });
});

describe('Monte-Carlo KL', () => {
  it('averages to the analytic KL', () => {
    const n = 20000;
    const mean = tf.tile(tf.tensor2d([[0.5, -1]]), [n, 1]);
    const logVar = tf.tile(tf.tensor2d([[Math.log(0.5), 0.4]]), [n, 1]);
    const z = reparameterize(mean, logVar, { seed: 3 });
    const mc = tf.mean(klMonteCarlo(z, mean, logVar)).dataSync()[0];
    const exact = klStandardNormal(tf.slice(mean, 0, 1), tf.slice(logVar, 0, 1)).dataSync()[0];
    expect(Math.abs(mc - exact)).toBeLessThan(0.05);
    const withPrior = tf
      .mean(klMonteCarlo(z, mean, logVar, { priorMean: tf.tensor1d([1, 0]), priorLogVar: tf.tensor1d([0, 1]) }))
      .dataSync()[0];
    const exactPrior = klDiagonalGaussian(
      tf.slice(mean, 0, 1),
      tf.slice(logVar, 0, 1),
      tf.tensor1d([1, 0]),
      tf.tensor1d([0, 1]),
    ).dataSync()[0];
    expect(Math.abs(withPrior - exactPrior)).toBeLessThan(0.05);
  });
});

describe('free bits', () => {
  it('floors each dimension, averaged over the batch, then sums', () => {
    // per-dim KL: dim0 = 0.5 for row 1 and 0 for row 2 -> batch mean 0.25; dim1 = 0 everywhere
    const mean = tf.tensor2d([
      [1, 0],
      [0, 0],
    ]);
    const logVar = tf.zeros([2, 2]);
    expectTensorClose(klFreeBits(mean, logVar, 0), 0.25);
    expectTensorClose(klFreeBits(mean, logVar, 0.1), 0.25 + 0.1);
    expectTensorClose(klFreeBits(mean, logVar, 0.5), 1.0);
  });

  it('passes no gradient through a dimension below the floor', () => {
    const g = tf.grad((m: tf.Tensor) => klFreeBits(m, tf.zeros([1, 2]), 0.3))(tf.tensor2d([[2, 0.1]]));
    expectTensorClose(g, [[2, 0]], { atol: 1e-6 });
  });
});

describe('KL memory', () => {
  it('leaks nothing', async () => {
    const m = tf.ones([2, 3]);
    const v = tf.zeros([2, 3]);
    await expectNoTensorLeak(() => [
      klStandardNormal(m, v),
      klStandardNormalPerDimension(m, v),
      klDiagonalGaussian(m, v, v, m),
      klMonteCarlo(m, m, v),
      klMonteCarlo(m, m, v, { priorMean: v }),
      klFreeBits(m, v, 0.2),
      diagonalGaussianLogProb(m, v, v),
      standardNormalLogProb(m),
    ]);
    tf.dispose([m, v]);
  });
});
