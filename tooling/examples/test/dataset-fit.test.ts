// The seam between @vae/datasets and @vae/core that the README's ten lines rely on: a labelled
// Dataset (embedded MNIST) passed straight to vae.fit as training and validation data, on the
// tfjs cpu backend and a small budget.
import * as tf from '@tensorflow/tfjs-core';
import { buildConditionalVAE, buildMlpVAE } from '@vae/core';
import { loadMnist } from '@vae/datasets';
import { describe, expect, it } from 'vitest';

describe('datasets feed vae.fit directly', () => {
  it('trains an unconditional model on a labelled Dataset with a Dataset for validation', async () => {
    const { train, test } = await loadMnist({ binarize: 'static' });
    const vae = buildMlpVAE({ inputShape: [28, 28, 1], hiddenUnits: [64], latentDim: 2, seed: 1 });
    const before = tf.memory().numTensors;
    const history = await vae.fit(train.take(384), {
      epochs: 3,
      batchSize: 64,
      validationData: test.take(128),
      seed: 1,
      learningRate: 3e-3,
    });
    expect(history.epochs.map((e) => e.examples)).toEqual([384, 384, 384]);
    expect(history.epochs[2]?.loss).toBeLessThan((history.epochs[0]?.loss ?? 0) * 0.9);
    expect(history.epochs[2]?.valLoss).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose();
  });

  it('a conditional model uses the labels of the same Dataset', async () => {
    const { train } = await loadMnist({ binarize: 'static' });
    const vae = buildConditionalVAE({
      variant: 'mlp',
      inputShape: [28, 28, 1],
      hiddenUnits: [32],
      latentDim: 2,
      seed: 1,
    });
    const history = await vae.fit(train.take(128), { epochs: 1, batchSize: 64, seed: 1 });
    expect(history.epochs[0]?.examples).toBe(128);
    const samples = vae.sample(3, { labels: [0, 1, 2], seed: 1 });
    expect(samples.shape).toEqual([3, 28, 28, 1]);
    samples.dispose();
    vae.dispose();
  });
});
