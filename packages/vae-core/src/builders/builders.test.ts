import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ConfigError, EncoderContractError } from '../errors/index.js';
import { learnedGaussianLikelihood } from '../losses/index.js';
import { expectTensorClose, makeToyImages } from '../testing/index.js';
import {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  buildVAE,
  CONV_VAE_DEFAULTS,
  MLP_VAE_DEFAULTS,
} from './index.js';

describe('buildConvVAE', () => {
  it('defaults reproduce the Keras example: encoder 69,076, decoder 65,089, total 134,165 parameters', () => {
    const vae = buildConvVAE();
    expect(vae.countParams()).toEqual({ encoder: 69076, decoder: 65089, likelihood: 0, total: 134165 });
    expect(CONV_VAE_DEFAULTS.filters).toEqual([32, 64]);
    expect(vae.latentDim).toBe(2);
    const encoderLayers = (vae.encoder as tfl.LayersModel).layers.map((l) => l.getClassName());
    expect(encoderLayers).toEqual(['InputLayer', 'Conv2D', 'Conv2D', 'Flatten', 'Dense', 'Dense', 'Dense']);
    const decoderLayers = (vae.decoder as tfl.LayersModel).layers.map((l) => l.getClassName());
    expect(decoderLayers).toEqual([
      'InputLayer',
      'Dense',
      'Reshape',
      'Conv2DTranspose',
      'Conv2DTranspose',
      'Conv2DTranspose',
    ]);
    vae.dispose();
  });

  it('gives the data shape for small grey and 128x128 colour images, both decoder kinds', () => {
    for (const decoderKind of ['transpose', 'upsample'] as const) {
      const small = buildConvVAE({ inputShape: [8, 8, 1], filters: [2, 3], denseUnits: 4, decoderKind, dropout: 0.1 });
      const x = makeToyImages(2, [8, 8, 1]);
      expect(small.reconstruct(x).shape).toEqual([2, 8, 8, 1]);
      expect(small.lossTerms(x, { training: true }).total.shape).toEqual([]);
      small.dispose();
      const big = buildConvVAE({
        inputShape: [128, 128, 3],
        filters: [2, 2, 2, 2],
        activation: 'leakyRelu',
        denseUnits: 0,
        latentDim: 4,
        decoderKind,
        likelihood: 'gaussian',
      });
      expect(big.decode(tf.zeros([1, 4])).shape).toEqual([1, 128, 128, 3]);
      expect((big.encoder as tfl.LayersModel).layers.some((l) => l.getClassName() === 'LeakyReLU')).toBe(true);
      big.dispose();
    }
  });

  it('emits twice the channels for per-pixel learned variance', () => {
    const vae = buildConvVAE({
      inputShape: [4, 4, 3],
      filters: [2],
      denseUnits: 0,
      likelihood: learnedGaussianLikelihood({ variance: 'pixel' }),
    });
    expect(vae.decodeParams(tf.zeros([1, 2])).shape).toEqual([1, 4, 4, 6]);
    expect(vae.decode(tf.zeros([1, 2])).shape).toEqual([1, 4, 4, 3]);
    vae.dispose();
  });

  it('explains bad configs', () => {
    expect(() => buildConvVAE({ inputShape: [30, 30, 1] })).toThrow(
      /height and width \(30x30\) must divide by the product of the strides \(4\)/,
    );
    expect(() => buildConvVAE({ inputShape: [784] })).toThrow(/\[height, width, channels\]/);
    expect(() => buildConvVAE({ latentDim: -2 })).toThrow(
      'buildConvVAE: latentDim must be a positive integer, got -2. Pass e.g. { latentDim: 16 }.',
    );
    expect(() => buildConvVAE({ kernelSize: [3, 3, 3] })).toThrow(
      /kernelSize has 3 entries but there are 2 conv layers/,
    );
    expect(() => buildConvVAE({ latentDims: 3 } as unknown as { latentDim: number })).toThrow(
      /unknown option 'latentDims'/,
    );
    expect(() => buildConvVAE({ activation: 'relu7' as 'relu' })).toThrow(ConfigError);
    expect(() => buildConvVAE({ decoderKind: 'pixelShuffle' as 'transpose' })).toThrow(/decoderKind must be one of/);
  });

  it('with a seed builds the same weights twice', () => {
    const a = buildConvVAE({ inputShape: [4, 4, 1], filters: [2], denseUnits: 3, seed: 5 });
    const b = buildConvVAE({ inputShape: [4, 4, 1], filters: [2], denseUnits: 3, seed: 5 });
    a.trainableVariables.forEach((v, i) => {
      expectTensorClose(v, b.trainableVariables[i]);
    });
    a.dispose();
    b.dispose();
  });
});

describe('buildMlpVAE', () => {
  it('defaults are 784-400-20', () => {
    const vae = buildMlpVAE();
    expect(MLP_VAE_DEFAULTS.hiddenUnits).toEqual([400]);
    expect(vae.latentDim).toBe(20);
    // 784*400+400 + 2*(400*20+20); 20*400+400 + 400*784+784
    expect(vae.countParams()).toEqual({ encoder: 330040, decoder: 322784, likelihood: 0, total: 652824 });
    vae.dispose();
  });

  it('accepts flat and image shapes', () => {
    const flat = buildMlpVAE({ inputShape: [10], hiddenUnits: [4, 3], latentDim: 2 });
    expect(flat.decode(tf.zeros([2, 2])).shape).toEqual([2, 10]);
    flat.dispose();
  });
});

describe('buildLstmVAE', () => {
  it('defaults: 256 units, latent 16, rows of a 28x28 image as steps', () => {
    const vae = buildLstmVAE();
    expect(vae.latentDim).toBe(16);
    const lstm = (vae.encoder as tfl.LayersModel).layers.find((l) => l.getClassName() === 'LSTM')!;
    const config = lstm.getConfig();
    expect(config.units).toBe(256);
    expect(config.activation).toBe('tanh');
    expect(config.recurrentActivation).toBe('sigmoid');
    // LSTM: 4 * 256 * (28 + 256 + 1)
    expect(lstm.countParams()).toBe(4 * 256 * (28 + 256 + 1));
    vae.dispose();
  });

  it('small config gives the data shape', () => {
    const vae = buildLstmVAE({
      inputShape: [5, 4],
      units: 3,
      latentDim: 2,
      decoderUnits: [6],
      lstmActivation: 'relu',
      recurrentActivation: 'hardSigmoid',
    });
    const x = makeToyImages(2, [5, 4]);
    expect(vae.reconstruct(x).shape).toEqual([2, 5, 4]);
    vae.dispose();
    expect(() => buildLstmVAE({ inputShape: [784] })).toThrow(/\[steps, features\]/);
  });
});

describe('buildConditionalVAE', () => {
  it('MLP and conv variants take one-hot labels in both networks', () => {
    const mlp = buildConditionalVAE({ numClasses: 4, inputShape: [4, 4, 1], hiddenUnits: [5], latentDim: 2 });
    expect(mlp.numClasses).toBe(4);
    expect((mlp.encoder as tfl.LayersModel).inputs.map((i) => i.shape)).toEqual([
      [null, 4, 4, 1],
      [null, 4],
    ]);
    expect((mlp.decoder as tfl.LayersModel).inputs.map((i) => i.shape)).toEqual([
      [null, 2],
      [null, 4],
    ]);
    expect(mlp.sample(3, { labels: 1 }).shape).toEqual([3, 4, 4, 1]);
    mlp.dispose();
    const conv = buildConditionalVAE({
      variant: 'conv',
      numClasses: 3,
      inputShape: [8, 8, 1],
      filters: [2, 2],
      denseUnits: 4,
    });
    expect(conv.sample(2, { labels: [0, 2] }).shape).toEqual([2, 8, 8, 1]);
    expect(conv.config.architecture.variant).toBe('conv');
    conv.dispose();
    expect(() => buildConditionalVAE({ numClasses: 0 })).toThrow(/numClasses must be a positive integer/);
  });
});

describe('buildVAE', () => {
  const data = [6];
  const twoOutputEncoder = (latent = 2): tfl.LayersModel => {
    const x = tfl.input({ shape: data });
    const h = tfl.layers.dense({ units: 4, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    const m = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
    const v = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
    return tfl.model({ inputs: x, outputs: [m, v] });
  };
  const decoderModel = (latent = 2, out = 6, activation?: 'sigmoid'): tfl.LayersModel =>
    tfl.sequential({ layers: [tfl.layers.dense({ units: out, inputShape: [latent], activation })] });

  it('(a) takes a two-output encoder model and infers inputShape and latentDim', () => {
    const vae = buildVAE({ encoder: twoOutputEncoder(3), decoder: decoderModel(3) });
    expect(vae.latentDim).toBe(3);
    expect(vae.inputShape).toEqual([6]);
    expect(vae.config.architecture).toMatchObject({ encoder: 'layers-model', encoderHeadsAttached: false });
    expect(vae.reconstruct(tf.zeros([2, 6])).shape).toEqual([2, 6]);
    vae.dispose();
  });

  it('(b) attaches heads to a feature model or an LSTM layer list, and a head to a feature decoder when asked', () => {
    const features = tfl.sequential({
      layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] })],
    });
    const decoderFeatures = tfl.sequential({
      layers: [tfl.layers.dense({ units: 7, inputShape: [4], activation: 'relu' })],
    });
    const vae = buildVAE({
      encoder: features,
      decoder: decoderFeatures,
      latentDim: 4,
      likelihood: 'gaussian',
      decoderHead: 'adapter',
    });
    expect(vae.encode(tf.zeros([2, 5, 5, 1])).mean.shape).toEqual([2, 4]);
    expect(vae.decode(tf.zeros([2, 4])).shape).toEqual([2, 5, 5, 1]);
    expect(vae.config.architecture).toMatchObject({ encoderHeadsAttached: true, decoderHeadAttached: true });
    vae.dispose();

    const lstm = buildVAE({
      inputShape: [5, 3],
      latentDim: 2,
      encoder: [tfl.layers.lstm({ units: 4, recurrentInitializer: 'glorotUniform' })],
      decoder: tfl.layers.dense({ units: 8, activation: 'relu' }),
      decoderHead: 'adapter',
    });
    expect(lstm.reconstruct(makeToyImages(2, [5, 3])).shape).toEqual([2, 5, 3]);
    lstm.dispose();
  });

  it('(c) takes functions and their variables', () => {
    const w = tf.variable(tf.randomNormal([6, 4], 0, 0.1, 'float32', 1));
    const d = tf.variable(tf.randomNormal([2, 6], 0, 0.1, 'float32', 2));
    const vae = buildVAE({
      inputShape: [6],
      encoder: (x) => {
        const h = tf.matMul(x, w);
        const [mean, logVar] = tf.split(h, 2, 1);
        return { mean, logVar };
      },
      decoder: (z) => tf.matMul(z, d),
      variables: [w, d],
    });
    expect(vae.latentDim).toBe(2);
    expect(vae.trainableVariables).toEqual([w, d]);
    const { grads } = tf.variableGrads(() => vae.lossTerms(tf.ones([2, 6]), { seed: 1 }).total, vae.trainableVariables);
    expect(Object.keys(grads).sort()).toEqual([w.name, d.name].sort());
    vae.dispose();
  });

  it('names the fix for each broken contract', () => {
    const expectContract = (fn: () => unknown, network: 'encoder' | 'decoder', pattern: RegExp): void => {
      try {
        fn();
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(EncoderContractError);
        expect((error as EncoderContractError).network).toBe(network);
        expect((error as Error).message).toMatch(pattern);
      }
    };
    // wrong output count
    const three = (() => {
      const x = tfl.input({ shape: data });
      const outs = [1, 2, 3].map(() => tfl.layers.dense({ units: 2 }).apply(x) as tfl.SymbolicTensor);
      return tfl.model({ inputs: x, outputs: outs });
    })();
    expectContract(() => buildVAE({ encoder: three, decoder: decoderModel() }), 'encoder', /has 3 outputs; expected 2/);
    // wrong latent size
    expectContract(
      () => buildVAE({ encoder: twoOutputEncoder(2), decoder: decoderModel(2), latentDim: 5 }),
      'encoder',
      /latent size 2 but latentDim is 5. Make both heads Dense\(5\) or pass latentDim: 2/,
    );
    expectContract(
      () => buildVAE({ encoder: twoOutputEncoder(2), decoder: decoderModel(3) }),
      'decoder',
      /decoder's input has shape \[batch, 3\] but z is \[batch, 2\]/,
    );
    // wrong data shape
    expectContract(
      () => buildVAE({ encoder: twoOutputEncoder(2), decoder: decoderModel(2), inputShape: [7] }),
      'encoder',
      /encoder's input has shape \[batch, 6\] but the data shape is \[batch, 7\]/,
    );
    expectContract(
      () =>
        buildVAE({
          encoder: twoOutputEncoder(2),
          decoder: tfl.sequential({
            layers: [tfl.layers.dense({ units: 6, inputShape: [2] }), tfl.layers.reshape({ targetShape: [3, 2] })],
          }),
        }),
      'decoder',
      /output has shape \[batch, 3, 2\]; the data has shape \[batch, 6\] and the bernoulli likelihood needs \[batch, 6\]/,
    );
    expectContract(
      () => buildVAE({ encoder: twoOutputEncoder(2), decoder: decoderModel(2, 6, 'sigmoid') }),
      'decoder',
      /ends in a sigmoid, but the Bernoulli likelihood expects logits/,
    );
    expectContract(
      () => buildVAE({ inputShape: [6], encoder: (x) => [tf.expandDims(x, 2), x], decoder: decoderModel(2) }),
      'encoder',
      /must return \[mean, logVar\].*returned shapes \[2, 6, 1\], \[2, 6\]/,
    );
    expectContract(
      () =>
        buildVAE({
          inputShape: [6],
          latentDim: 2,
          encoder: () => {
            throw new TypeError('boom');
          },
          decoder: decoderModel(2),
        }),
      'encoder',
      /threw: boom/,
    );
    expectContract(
      () => buildVAE({ encoder: twoOutputEncoder(2), decoder: (z) => tf.matMul(z, tf.ones([2, 5])) }),
      'decoder',
      /must return the bernoulli likelihood's parameters \[batch, 6\]; on z of shape \[2, 2\] it returned \[2, 5\]/,
    );
    expect(() => buildVAE({ encoder: [tfl.layers.dense({ units: 3 })], decoder: decoderModel() })).toThrow(
      /inputShape is required/,
    );
    expect(() =>
      buildVAE({ encoder: [tfl.layers.dense({ units: 3 })], decoder: decoderModel(), inputShape: [6] }),
    ).toThrow(/latentDim is required when the encoder is a feature network/);
    expect(() => buildVAE({ encoder: 'conv' as unknown as tfl.LayersModel, decoder: decoderModel() })).toThrow(
      /encoder must be a tf.LayersModel/,
    );
  });
});
