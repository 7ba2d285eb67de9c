import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildConditionalVAE, buildMlpVAE } from '../builders/index.js';
import { ConfigError, ShapeError } from '../errors/index.js';
import { makeToyImages } from '../testing/index.js';
import type { TrainableVAE } from '../training/types.js';
import { checkDataSupport, checkLabels, dataSupportHint } from './data-support.js';

/** Runs `fn`, expects an error of `type` and returns its message. */
function messageOf(fn: () => unknown, type: abstract new (...args: never[]) => Error): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  return expect.unreachable('expected an error');
}

/** Calls `fn` with a tensor made by `make`, and checks that nothing but that tensor is left over. */
function withTensor(make: () => tf.Tensor, fn: (t: tf.Tensor) => void): void {
  const t = make();
  const before = tf.memory().numTensors;
  try {
    fn(t);
  } finally {
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  }
}

const tiny = (likelihood: 'bernoulli' | 'gaussian' = 'bernoulli') =>
  buildMlpVAE({ inputShape: [2, 2, 1], hiddenUnits: [3], latentDim: 2, seed: 1, likelihood });

describe('checkDataSupport: data meets its likelihood', () => {
  it('refuses 0-255 pixels under a Bernoulli likelihood, naming the range and the fix', () => {
    const vae = tiny();
    withTensor(
      () => tf.tensor4d([0, 17, 128, 255], [1, 2, 2, 1]),
      (x) => {
        expect(messageOf(() => checkDataSupport(vae, x, 'fit'), ConfigError)).toBe(
          "fit: x holds values in [0, 255], but the bernoulli likelihood needs data in [0, 1]; outside it the loss is meaningless (or NaN). Divide 8-bit pixels by 255, or otherwise normalize the data to [0, 1] (e.g. (x - min) / (max - min)), binarize it (x > threshold), or use a Gaussian likelihood ({ likelihood: 'gaussian' }) for data on another scale.",
        );
      },
    );
    vae.dispose();
  });

  it('refuses data in [-5, 5] and in [0, 2] as well, with field x', () => {
    const vae = tiny();
    for (const [values, range] of [
      [[-5, 0, 2.5, 5], '[-5, 5]'],
      [[0, 0.5, 1, 2], '[0, 2]'],
    ] as const) {
      withTensor(
        () => tf.tensor4d([...values], [1, 2, 2, 1]),
        (x) => {
          let error: ConfigError | undefined;
          try {
            checkDataSupport(vae, x, 'fit');
          } catch (e) {
            error = e as ConfigError;
          }
          expect(error).toBeInstanceOf(ConfigError);
          expect(error?.field).toBe('x');
          expect(error?.message).toMatch(
            new RegExp(
              `^fit: x holds values in ${range.replace(/[[\]]/g, '\\$&')}, but the bernoulli likelihood needs data in \\[0, 1\\]; outside it the loss is meaningless \\(or NaN\\)\\. Normalize the data to \\[0, 1\\]`,
            ),
          );
        },
      );
    }
    vae.dispose();
  });

  it('accepts data in [0, 1] (ends included), and any finite data under a Gaussian', () => {
    const bernoulli = tiny();
    const gaussian = tiny('gaussian');
    withTensor(
      () => tf.tensor4d([0, 0.25, 0.999, 1], [1, 2, 2, 1]),
      (x) => checkDataSupport(bernoulli, x, 'fit'),
    );
    withTensor(
      () => tf.tensor4d([-5, 0, 255, 1e6], [1, 2, 2, 1]),
      (x) => checkDataSupport(gaussian, x, 'fit'),
    );
    // an int32 batch (undivided pixels read as integers) is checked the same way
    withTensor(
      () => tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1], 'int32'),
      (x) => checkDataSupport(bernoulli, x, 'fit'),
    );
    bernoulli.dispose();
    gaussian.dispose();
  });

  it('refuses NaN or infinite values under any likelihood, and for a model without a likelihood', () => {
    const custom = { numClasses: 0 } as unknown as TrainableVAE;
    for (const model of [tiny(), tiny('gaussian'), custom]) {
      withTensor(
        () => tf.tensor4d([0, Number.NaN, 1, Number.POSITIVE_INFINITY], [1, 2, 2, 1]),
        (x) => {
          expect(messageOf(() => checkDataSupport(model, x, 'fit'), ConfigError)).toBe(
            'fit: x holds 2 NaN or infinite values; the loss of such data is NaN. Remove or replace them before training or evaluating, e.g. tf.where(tf.isFinite(x), x, 0).',
          );
        },
      );
      withTensor(
        () => tf.tensor1d([-3, 300]),
        (x) => checkDataSupport(custom, x, 'fit'), // no likelihood: no range to check
      );
      (model as { dispose?: () => void }).dispose?.();
    }
  });

  it('dataSupportHint gives the sentence for a NaN loss: the range and the fix, or nothing', () => {
    const bernoulli = tiny();
    const gaussian = tiny('gaussian');
    expect(dataSupportHint(bernoulli)).toBe(
      " The bernoulli likelihood needs data in [0, 1]: data on another scale (0-255 pixels) makes the loss NaN; divide 8-bit pixels by 255, binarize, or use { likelihood: 'gaussian' }.",
    );
    expect(dataSupportHint(gaussian)).toBe('');
    bernoulli.dispose();
    gaussian.dispose();
  });
});

describe('checkLabels: class ids against numClasses', () => {
  const conditional = () =>
    buildConditionalVAE({ inputShape: [2, 2, 1], hiddenUnits: [3], latentDim: 2, numClasses: 3, seed: 1 });

  it('refuses ids out of [0, numClasses) and ids that are not integers', () => {
    const vae = conditional();
    withTensor(
      () => tf.tensor1d([0, 2, 3], 'int32'),
      (ids) => {
        expect(messageOf(() => checkLabels(vae, ids, 'fit'), ConfigError)).toBe(
          'fit: labels must be integer class ids in [0, 2] (numClasses 3), got ids in [0, 3]; an id out of range would silently become an all-zero one-hot row. Map the ids into [0, 2], or build the model with numClasses: 4.',
        );
      },
    );
    withTensor(
      () => tf.tensor1d([-1, 1]),
      (ids) => expect(messageOf(() => checkLabels(vae, ids, 'fit'), ConfigError)).toMatch(/got ids in \[-1, 1\]/),
    );
    withTensor(
      () => tf.tensor1d([0, 1.5, Number.NaN]),
      (ids) =>
        expect(messageOf(() => checkLabels(vae, ids, 'fit'), ConfigError)).toMatch(
          /^fit: labels must be integer class ids in \[0, 2\] \(numClasses 3\), but 2 of them are not integers \(NaN or fractional\)/,
        ),
    );
    vae.dispose();
  });

  it('refuses one-hot labels without numClasses columns, and accepts good ids, one-hot and no labels', () => {
    const vae = conditional();
    withTensor(
      () => tf.zeros([2, 4]),
      (oneHot) =>
        expect(messageOf(() => checkLabels(vae, oneHot, 'fit'), ShapeError)).toMatch(
          /^fit: labels must be class ids \[2\] or one-hot \[2, 3\], got \[2, 4\] \(numClasses 3\)/,
        ),
    );
    withTensor(
      () => tf.tensor1d([0, 1, 2], 'int32'),
      (ids) => checkLabels(vae, ids, 'fit'),
    );
    withTensor(
      () => tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3),
      (oneHot) => checkLabels(vae, oneHot, 'fit'),
    );
    checkLabels(vae, undefined, 'fit');
    // an unconditional model ignores labels in the data
    const plain = tiny();
    withTensor(
      () => tf.tensor1d([7]),
      (ids) => checkLabels(plain, ids, 'fit'),
    );
    plain.dispose();
    vae.dispose();
  });
});

describe('VAE.lossTerms checks its data outside training', () => {
  it('refuses 0-255 data instead of returning NaN; training steps skip the read-back', () => {
    const vae = buildMlpVAE({ inputShape: [28, 28, 1], hiddenUnits: [8], latentDim: 2, seed: 1 });
    withTensor(
      () => tf.mul(makeToyImages(2, [28, 28, 1]), 255),
      (pixels) => {
        expect(messageOf(() => vae.lossTerms(pixels), ConfigError)).toMatch(
          /^VAE\.lossTerms: x holds values in \[0, 2\d\d(\.\d+)?\], but the bernoulli likelihood needs data in \[0, 1\].*Divide 8-bit pixels by 255/,
        );
        expect(messageOf(() => vae.lossTermsPerExample(pixels), ConfigError)).toMatch(
          /^VAE\.lossTermsPerExample: x holds values/,
        );
      },
    );
    const pixels = tf.mul(makeToyImages(2, [28, 28, 1]), 255);
    // in a training step (or with checkData: false) there is no check and no read-back
    const terms = vae.lossTerms(pixels, { training: true });
    const unchecked = vae.lossTerms(pixels, { checkData: false });
    tf.dispose([pixels, terms.total, terms.reconstruction, terms.kl, ...Object.values(unchecked)]);
    vae.dispose();
  });

  it('refuses out-of-range class id tensors in lossTerms and in encode, decode and sample', () => {
    const vae = buildConditionalVAE({ inputShape: [2, 2, 1], hiddenUnits: [3], latentDim: 2, numClasses: 3, seed: 1 });
    const x = makeToyImages(2, [2, 2, 1]);
    const ids = tf.tensor1d([1, 5], 'int32');
    const z = tf.zeros([2, 2]);
    expect(messageOf(() => vae.lossTerms(x, { labels: ids }), ConfigError)).toMatch(
      /^VAE\.lossTerms: labels must be integer class ids in \[0, 2\] \(numClasses 3\), got ids in \[1, 5\]/,
    );
    expect(messageOf(() => vae.encode(x, { labels: ids }), ConfigError)).toMatch(/^VAE\.encode: labels must be/);
    expect(messageOf(() => vae.decode(z, { labels: ids }), ConfigError)).toMatch(/^VAE\.decode: labels must be/);
    expect(messageOf(() => vae.sample(2, { labels: ids }), ConfigError)).toMatch(/^VAE\.sample: labels must be/);
    tf.dispose([x, ids, z]);
    vae.dispose();
  });
});
