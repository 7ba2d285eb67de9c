import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  buildConditionalVAE,
  buildConvVAE,
  buildMlpVAE,
  buildVAE,
  DisposedError,
  ModelFormatError,
  type VAE,
} from '@vae/core';
import { expectNoTensorLeak, expectTensorClose, makeToyImages } from '@vae/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { Sampling } from '../layers/sampling.js';
import { toLayersModel, type VAELayersModels } from './to-layers-model.js';

const disposeAll = (m: VAELayersModels) => {
  for (const model of [m.vae, m.encoder, m.decoder]) model.dispose();
};

describe('toLayersModel', () => {
  const mlp = buildMlpVAE({ inputShape: [4, 4, 1], hiddenUnits: [8], latentDim: 2, seed: 1 });
  const x = makeToyImages(3, [4, 4, 1], { seed: 2 });
  afterAll(() => {
    mlp.dispose();
    x.dispose();
  });

  it('makes one graph x -> encoder -> Sampling -> decoder -> likelihood mean', () => {
    const models = toLayersModel(mlp, { meanAtInference: true });
    expect(models.vae.name).toBe('vae');
    expect(models.vae.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer',
      expect.any(String),
      'VaeSampling',
      expect.any(String),
      'Activation',
    ]);
    expect(models.vae.inputs[0]!.shape).toEqual([null, 4, 4, 1]);
    expect(models.vae.outputs[0]!.shape).toEqual([null, 4, 4, 1]);
    expect(models.encoder.outputs.map((o) => o.shape)).toEqual([
      [null, 2],
      [null, 2],
    ]);
    expect(models.decoder.inputs[0]!.shape).toEqual([null, 2]);
    const lines: string[] = [];
    models.vae.summary(100, undefined, (line: string) => lines.push(line));
    expect(lines.join('\n')).toMatch(/sampling \(VaeSampling\)/);
    disposeAll(models);
  });

  it('predicts what the VAE computes: reconstructions, posterior parameters and decodings', () => {
    const models = toLayersModel(mlp, { meanAtInference: true });
    expectTensorClose(models.vae.predict(x) as tf.Tensor, mlp.reconstruct(x), { rtol: 1e-5, atol: 1e-6 });
    const [mean, logVar] = models.encoder.predict(x) as tf.Tensor[];
    const q = mlp.encode(x);
    expectTensorClose(mean!, q.mean, { rtol: 1e-5, atol: 1e-6 });
    expectTensorClose(logVar!, q.logVar, { rtol: 1e-5, atol: 1e-6 });
    const z = tf.tensor2d([
      [0, 0],
      [1, -1],
    ]);
    expectTensorClose(models.decoder.predict(z) as tf.Tensor, mlp.decode(z), { rtol: 1e-5, atol: 1e-6 });
    disposeAll(models);
  });

  it('samples z with the seeded Sampling layer, as VAE.reconstruct({ sample: true, seed }) does', () => {
    const models = toLayersModel(mlp, { seed: 21 });
    const sampled = models.vae.predict(x) as tf.Tensor;
    expectTensorClose(sampled, mlp.reconstruct(x, { sample: true, seed: 21 }), { rtol: 1e-5, atol: 1e-6 });
    expect(Array.from(sampled.dataSync())).not.toEqual(Array.from(mlp.reconstruct(x).dataSync()));
    disposeAll(models);
  });

  it('takes [x, one-hot label] for a conditional VAE', () => {
    const cvae = buildConditionalVAE({ numClasses: 3, inputShape: [4, 4, 1], hiddenUnits: [8], latentDim: 2, seed: 3 });
    const models = toLayersModel(cvae, { meanAtInference: true });
    expect(models.vae.inputs.map((i) => i.shape)).toEqual([
      [null, 4, 4, 1],
      [null, 3],
    ]);
    const ids = [0, 2, 1];
    const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), 3);
    expectTensorClose(models.vae.predict([x, oneHot]) as tf.Tensor, cvae.reconstruct(x, { labels: ids }), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    const z = tf.zeros([3, 2]);
    expectTensorClose(models.decoder.predict([z, oneHot]) as tf.Tensor, cvae.decode(z, { labels: ids }), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    disposeAll(models);
    cvae.dispose();
  });

  it('keeps the mean half of per-pixel learned-Gaussian parameters, and passes Gaussian means through', () => {
    for (const likelihood of [
      { kind: 'learned-gaussian', variance: 'pixel', initialLogVar: 0 } as const,
      { kind: 'gaussian', sigma: 0.5 } as const,
    ]) {
      const conv = buildConvVAE({
        inputShape: [4, 4, 2],
        filters: [2],
        denseUnits: 4,
        latentDim: 2,
        likelihood,
        seed: 4,
      });
      const models = toLayersModel(conv);
      const z = tf.tensor2d([
        [0.3, -0.7],
        [1, 2],
      ]);
      const out = models.decoder.predict(z) as tf.Tensor;
      expect(out.shape).toEqual([2, 4, 4, 2]);
      expectTensorClose(out, conv.decode(z), { rtol: 1e-5, atol: 1e-6 });
      disposeAll(models);
      conv.dispose();
    }
  });

  it('is a snapshot: it outlives the VAE and frees every weight once its three models are disposed', () => {
    const before = tf.memory().numTensors;
    const vae = buildMlpVAE({ inputShape: [4, 4, 1], hiddenUnits: [8], latentDim: 2, seed: 5 });
    const models = toLayersModel(vae, { meanAtInference: true });
    const expected = vae.reconstruct(x);
    vae.dispose();
    const predicted = models.vae.predict(x) as tf.Tensor;
    expectTensorClose(predicted, expected, { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([expected, predicted]);
    models.decoder.dispose();
    models.vae.dispose();
    models.encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks no tensors in predict', async () => {
    const models = toLayersModel(mlp, { seed: 1 });
    await expectNoTensorLeak(() => models.vae.predict(x));
    await expectNoTensorLeak(() => models.encoder.predict(x));
    disposeAll(models);
  });

  it('trains as a Keras-style model (gradients flow through Sampling)', async () => {
    const models = toLayersModel(mlp, { seed: 2 });
    models.vae.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const history = await models.vae.fit(x, x, { epochs: 1, batchSize: 3, verbose: 0 });
    expect(Number.isFinite(history.history['loss']![0] as number)).toBe(true);
    disposeAll(models);
  });

  it('names the fix when a network is a function', () => {
    const fnVAE = buildVAE({
      inputShape: [2],
      latentDim: 2,
      encoder: (input: tf.Tensor) => [input, tf.zerosLike(input)] as [tf.Tensor, tf.Tensor],
      decoder: (z: tf.Tensor) => tf.mul(z, 1),
      likelihood: { kind: 'gaussian', sigma: 1 },
    });
    expect(() => toLayersModel(fnVAE)).toThrow(ModelFormatError);
    expect(() => toLayersModel(fnVAE)).toThrow(
      /toLayersModel: the encoder is a function, and a single-graph model needs tf\.LayersModel networks\. Build the encoder with tfl\.model/,
    );
    fnVAE.dispose();
  });

  it('refuses a disposed VAE', () => {
    const vae: VAE = buildMlpVAE({ inputShape: [2], hiddenUnits: [2], latentDim: 1 });
    vae.dispose();
    expect(() => toLayersModel(vae)).toThrow(DisposedError);
    expect(() => toLayersModel(vae)).toThrow(/toLayersModel: this VAE was disposed/);
  });

  it('puts a Sampling layer with the requested settings in the graph', () => {
    const models = toLayersModel(mlp, { seed: 8, meanAtInference: true });
    const layer = models.vae.getLayer('sampling') as Sampling;
    expect(layer).toBeInstanceOf(Sampling);
    expect(layer.seed).toBe(8);
    expect(layer.meanAtInference).toBe(true);
    expect(models.vae).toBeInstanceOf(tfl.LayersModel);
    disposeAll(models);
  });
});
