import type { TrainSettings } from './settings.js';

const COMMON = {
  architecture: {},
  likelihood: 'bernoulli',
  beta: 1,
  dataset: 'mnist',
  data: null,
  imageSize: 28,
  limit: null,
  iterations: null,
  every: null,
  lrDecay: null,
  validationSplit: 0,
  seed: 42,
  printSummary: false,
  backend: 'auto',
} as const satisfies Partial<TrainSettings>;

/**
 * The presets: each reproduces a classic VAE write-up on the embedded MNIST digits (or an image
 * folder for `cars128`). Every field can be overridden by a `--config` file or a flag.
 */
export const PRESETS: Readonly<Record<string, TrainSettings>> = Object.freeze({
  'keras-mnist': {
    ...COMMON,
    preset: 'keras-mnist',
    title: 'Convolutional VAE on MNIST (Keras example)',
    description:
      'The Keras conv VAE: Conv 32 and 64 (3x3, stride 2, relu), Dense 16, a 2-D latent space, a mirrored decoder of transposed convolutions, binary cross-entropy + KL, Adam 1e-3, batch 128, 10 epochs.',
    model: 'conv',
    architecture: { filters: [32, 64], kernelSize: 3, strides: 2, denseUnits: 16 },
    latentDim: 2,
    epochs: 10,
    batchSize: 128,
    lr: 1e-3,
    pictures: ['loss', 'manifold', 'scatter', 'samples'],
  },
  'conv-leaky-mse': {
    ...COMMON,
    preset: 'conv-leaky-mse',
    title: 'Conv VAE with LeakyReLU, dropout and MSE',
    description:
      'Three convolutions of 64 filters 4x4 (strides 2, 2, 1) with LeakyReLU and dropout, a latent space of 8, a Gaussian likelihood (MSE + KL), Adam 5e-4, batch 64, trained for a budget of iterations with the loss and input/decoded pictures every 200 iterations; new images drawn from N(0, I).',
    model: 'conv',
    architecture: {
      filters: [64, 64, 64],
      kernelSize: 4,
      strides: [2, 2, 1],
      activation: 'leakyRelu',
      leakyReluAlpha: 0.3,
      dropout: 0.2,
      denseUnits: 0,
    },
    likelihood: 'gaussian',
    latentDim: 8,
    epochs: 1000,
    iterations: 30000,
    every: 200,
    batchSize: 64,
    lr: 5e-4,
    pictures: ['loss', 'progress', 'samples', 'reconstructions'],
  },
  lstm: {
    ...COMMON,
    preset: 'lstm',
    title: 'LSTM-encoder VAE on MNIST',
    description:
      'Each digit is read row by row by an LSTM of 256 units; a Dense decoder of 256 units rebuilds it from a latent space of 16; binary cross-entropy + KL, batch 256, 30% of the training digits held out for validation.',
    model: 'lstm',
    architecture: { units: 256, decoderUnits: [256] },
    latentDim: 16,
    epochs: 10,
    batchSize: 256,
    lr: 1e-3,
    validationSplit: 0.3,
    printSummary: true,
    pictures: ['loss', 'reconstructions', 'samples'],
  },
  cars128: {
    ...COMMON,
    preset: 'cars128',
    title: 'Conv VAE on 128x128 colour images',
    description:
      'A folder of images resized to 128x128 RGB, a conv VAE (Conv 32, 64, 128, 256, stride 2, LeakyReLU, upsampling decoder), a latent space of 128, a Gaussian likelihood (MSE + KL), Adam 1e-3 then 1e-4 (piecewise constant), batch 128.',
    model: 'conv',
    architecture: {
      filters: [32, 64, 128, 256],
      kernelSize: 3,
      strides: 2,
      activation: 'leakyRelu',
      denseUnits: 0,
      decoderKind: 'upsample',
    },
    likelihood: 'gaussian',
    latentDim: 128,
    dataset: 'folder',
    imageSize: 128,
    epochs: 30,
    batchSize: 128,
    lr: 1e-3,
    lrDecay: { at: 20, factor: 0.1 },
    pictures: ['loss', 'reconstructions', 'interpolation', 'samples'],
  },
  mlp: {
    ...COMMON,
    preset: 'mlp',
    title: 'MLP VAE on MNIST',
    description:
      'The classic fully connected VAE: 784-400-20 with relu, binary cross-entropy + KL, Adam 1e-3, batch 128, 10 epochs.',
    model: 'mlp',
    architecture: { hiddenUnits: [400] },
    latentDim: 20,
    epochs: 10,
    batchSize: 128,
    lr: 1e-3,
    pictures: ['loss', 'reconstructions', 'samples'],
  },
  'cvae-beta': {
    ...COMMON,
    preset: 'cvae-beta',
    title: 'Conditional beta-VAE on MNIST',
    description:
      'A conditional VAE (the digit class joins the encoder input and the latent code; MLP 512-256), a 2-D latent space, KL weighted by beta (--beta), batch 128; an animation of the latent space through training and one latent-walk GIF per digit.',
    model: 'conditional',
    architecture: { variant: 'mlp', numClasses: 10, hiddenUnits: [512, 256] },
    latentDim: 2,
    beta: 1,
    epochs: 10,
    batchSize: 128,
    lr: 1e-3,
    pictures: ['loss', 'samples', 'scatter', 'latent-gif', 'digit-gifs'],
  },
});

/** The preset names, in the order `vae train --help` lists them. */
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);
