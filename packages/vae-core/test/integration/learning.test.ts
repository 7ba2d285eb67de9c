// Every builder learns from real MNIST digits at a small size on the cpu backend: the training
// loss falls clearly within a few epochs.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildConditionalVAE, buildConvVAE, buildLstmVAE, buildMlpVAE, type VAE } from '../../src/index.js';
import { loadMnistSample } from '../fixtures/mnist-sample.js';

function digits14(n: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const { x, labels } = loadMnistSample(n);
  const small = tf.tidy(() => tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D);
  x.dispose();
  return { x: small, labels };
}

/** 16x16 digits for conv models, whose two stride-2 layers need sides divisible by 4. */
function digits16(n: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const { x, labels } = loadMnistSample(n);
  const small = tf.tidy(() => tf.clipByValue(tf.image.resizeBilinear(x, [16, 16]), 0, 1) as tf.Tensor4D);
  x.dispose();
  return { x: small, labels };
}

async function expectLearns(vae: VAE, data: { x: tf.Tensor; labels?: tf.Tensor }, epochs: number): Promise<void> {
  const before = tf.memory().numTensors;
  const history = await vae.fit(data.labels ? { x: data.x, labels: data.labels } : data.x, {
    epochs,
    batchSize: 32,
    seed: 7,
    learningRate: 3e-3,
  });
  const losses = history.epochs.map((e) => e.loss);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.85);
  expect(tf.memory().numTensors).toBe(before);
  vae.dispose();
}

describe('each builder learns real digits (14x14, 16x16 for conv)', () => {
  it('MLP', async () => {
    const { x, labels } = digits14(256);
    await expectLearns(buildMlpVAE({ inputShape: [14, 14, 1], hiddenUnits: [64], latentDim: 4, seed: 1 }), { x }, 4);
    tf.dispose([x, labels]);
  });

  it('conv, transposed-convolution decoder', async () => {
    const { x, labels } = digits16(128);
    const vae = buildConvVAE({ inputShape: [16, 16, 1], filters: [4, 8], denseUnits: 16, latentDim: 2, seed: 1 });
    await expectLearns(vae, { x }, 8);
    tf.dispose([x, labels]);
  });

  it('conv, upsampling decoder with LeakyReLU and dropout', async () => {
    const { x, labels } = digits16(128);
    const vae = buildConvVAE({
      inputShape: [16, 16, 1],
      filters: [4, 8],
      denseUnits: 16,
      latentDim: 2,
      activation: 'leakyRelu',
      dropout: 0.1,
      decoderKind: 'upsample',
      seed: 1,
    });
    await expectLearns(vae, { x }, 4);
    tf.dispose([x, labels]);
  });

  it('LSTM over image rows', async () => {
    const { x, labels } = digits14(128);
    const rows = tf.reshape(x, [128, 14, 14]);
    const vae = buildLstmVAE({ inputShape: [14, 14], units: 16, decoderUnits: [32], latentDim: 4, seed: 1 });
    await expectLearns(vae, { x: rows }, 4);
    tf.dispose([x, labels, rows]);
  });

  it('conditional MLP', async () => {
    const { x, labels } = digits14(256);
    const vae = buildConditionalVAE({
      variant: 'mlp',
      inputShape: [14, 14, 1],
      hiddenUnits: [64],
      latentDim: 2,
      seed: 1,
    });
    await expectLearns(vae, { x, labels }, 4);
    tf.dispose([x, labels]);
  });
});
