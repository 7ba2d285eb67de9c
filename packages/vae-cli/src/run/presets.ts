import { plural } from '../cli/words.js';
import type { TrainSettings } from './settings.js';

const COMMON = {
  architecture: {},
  likelihood: 'bernoulli',
  sigma: null,
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

const SETTINGS: Readonly<Record<string, Omit<TrainSettings, 'title' | 'description'>>> = {
  'keras-mnist': {
    ...COMMON,
    preset: 'keras-mnist',
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
    // The write-up minimises the summed squared difference + KL, 1 to 1: a Gaussian of sigma 1/sqrt(2).
    sigma: Math.SQRT1_2,
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
    // "Mean Squared Loss + KL" names no weighting: the library's sigma 1 stays.
    sigma: 1,
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
    model: 'conditional',
    architecture: { variant: 'mlp', numClasses: 10, hiddenUnits: [512, 256] },
    latentDim: 2,
    beta: 1,
    epochs: 10,
    batchSize: 128,
    lr: 1e-3,
    pictures: ['loss', 'samples', 'scatter', 'latent-gif', 'digit-gifs'],
  },
};

/** A learning rate as the write-ups print it: `1e-3`, `5e-4`, `0.01`. */
function rate(lr: number): string {
  const rounded = Number(lr.toPrecision(6));
  return rounded > 0 && rounded < 0.01 ? rounded.toExponential() : String(rounded);
}

/** `32 and 64`, `32, 64, 128, 256`. */
function list(values: readonly unknown[]): string {
  const words = values.map(String);
  return words.length <= 2 ? words.join(' and ') : words.join(', ');
}

/** A number or a list of numbers from an architecture field, as a list. */
function numbers(value: unknown, fallback: number[]): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? value : fallback;
}

const WORDS = ['', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine'];

/** A standard deviation as the descriptions print it: `1/sqrt(2)`, `0.1`. */
function sigmaWords(sigma: number): string {
  return Math.abs(sigma - Math.SQRT1_2) < 1e-9 ? '1/sqrt(2)' : String(Number(sigma.toPrecision(4)));
}

/**
 * The likelihood as the loss it gives, with what sigma means: `binary cross-entropy + KL`, `a
 * Gaussian likelihood with sigma 1/sqrt(2) (...)`.
 */
function lossWords(s: Pick<TrainSettings, 'likelihood' | 'sigma'>): { long: string; short: string } {
  const likelihood = s.likelihood;
  const object = typeof likelihood === 'object' && likelihood !== null ? likelihood : undefined;
  const kind = s.sigma === 'learned' ? 'learned-gaussian' : object === undefined ? likelihood : object['kind'];
  if (kind === 'bernoulli') return { long: 'binary cross-entropy + KL', short: 'BCE' };
  if (kind === 'gaussian') {
    const given = typeof s.sigma === 'number' ? s.sigma : object?.['sigma'];
    const sigma = typeof given === 'number' ? given : 1;
    const weight = Number((1 / (2 * sigma * sigma)).toPrecision(4));
    const meaning =
      weight === 1
        ? 'minimising it minimises SSE + KL, the summed squared difference + KL'
        : `the summed squared error weighted by 1/(2 sigma^2) = ${weight}, + KL`;
    return { long: `a Gaussian likelihood with sigma ${sigmaWords(sigma)} (--sigma; ${meaning})`, short: 'MSE' };
  }
  if (kind === 'learned-gaussian')
    return { long: 'a Gaussian likelihood with a learned variance (--sigma learned)', short: 'a learned variance' };
  return { long: `a ${JSON.stringify(kind ?? likelihood)} likelihood`, short: `a ${String(kind)} likelihood` };
}

/** `Adam 1e-3`, `Adam 1e-3 then 1e-4 from epoch 20 (piecewise constant)`. */
function adam(s: PresetSettings): string {
  if (s.lrDecay === null) return `Adam ${rate(s.lr)}`;
  return `Adam ${rate(s.lr)} then ${rate(s.lr * s.lrDecay.factor)} from epoch ${s.lrDecay.at} (piecewise constant)`;
}

/** `batch 128, 10 epochs`, or the iteration budget and how often it logs. */
function budget(s: PresetSettings): string {
  if (s.iterations === null) return `batch ${s.batchSize}, ${plural(s.epochs, 'epoch')}`;
  const every =
    s.every === null ? '' : ` with the loss and input/decoded pictures every ${plural(s.every, 'iteration')}`;
  return `batch ${s.batchSize}, trained for ${plural(s.iterations, 'iteration')}${every}`;
}

/** `30% of the training digits held out for validation`, or the test digits when none are. */
function validation(s: PresetSettings, noun: string): string {
  if (s.validationSplit <= 0) return s.dataset === 'folder' ? 'no images held out' : 'the test digits validate';
  return `${Number((s.validationSplit * 100).toFixed(1))}% of the training ${noun} held out for validation`;
}

/** `a 2-D latent space`, `a latent space of 16`. */
function latent(n: number): string {
  return n === 2 ? 'a 2-D latent space' : `a latent space of ${n}`;
}

type PresetSettings = Omit<TrainSettings, 'title' | 'description'>;

/** Title and description of each preset, written for the settings a run uses. */
const TEXT: Readonly<Record<string, (s: PresetSettings) => { title: string; description: string }>> = {
  'keras-mnist': (s) => {
    const a = s.architecture;
    const filters = numbers(a['filters'], []);
    const kernel = numbers(a['kernelSize'], [3]);
    const strides = numbers(a['strides'], [2]);
    const dense = typeof a['denseUnits'] === 'number' && a['denseUnits'] > 0 ? `, Dense ${a['denseUnits']}` : '';
    return {
      title: 'Convolutional VAE on MNIST (Keras example)',
      description: `The Keras conv VAE: Conv ${list(filters)} (${list(kernel.map((k) => `${k}x${k}`))}, stride ${list(strides)}, relu)${dense}, ${latent(s.latentDim)}, a mirrored decoder of transposed convolutions, ${lossWords(s).long}, ${adam(s)}, ${budget(s)}.`,
    };
  },
  'conv-leaky-mse': (s) => {
    const a = s.architecture;
    const filters = numbers(a['filters'], []);
    const kernel = numbers(a['kernelSize'], [4]);
    const strides = numbers(a['strides'], [2]);
    const same = filters.length > 0 && filters.every((f) => f === filters[0]);
    const convs = same
      ? `${WORDS[filters.length] ?? filters.length} convolution${filters.length === 1 ? '' : 's'} of ${filters[0]} filters`
      : `Convolutions of ${list(filters)} filters`;
    const dropout = typeof a['dropout'] === 'number' && a['dropout'] > 0;
    const loss = lossWords(s);
    return {
      title: `Conv VAE with LeakyReLU${dropout ? ', dropout' : ''} and ${loss.short}`,
      description: `${convs} ${list(kernel.map((k) => `${k}x${k}`))} (stride${strides.length === 1 ? '' : 's'} ${strides.join(', ')}) with LeakyReLU${dropout ? ` and dropout ${a['dropout']}` : ''}, ${latent(s.latentDim)}, ${loss.long}, ${adam(s)}, ${budget(s)}; new images drawn from N(0, I).`,
    };
  },
  lstm: (s) => {
    const a = s.architecture;
    const decoder = numbers(a['decoderUnits'], []);
    return {
      title: 'LSTM-encoder VAE on MNIST',
      description: `Each digit is read row by row by an LSTM of ${String(a['units'])} units; a Dense decoder of ${decoder.join('-')} units rebuilds it from ${latent(s.latentDim)}; ${lossWords(s).long}, ${adam(s)}, ${budget(s)}, ${validation(s, 'digits')}.`,
    };
  },
  cars128: (s) => {
    const a = s.architecture;
    const size = `${s.imageSize}x${s.imageSize}`;
    const decoder = a['decoderKind'] === 'upsample' ? 'upsampling decoder' : 'transposed-convolution decoder';
    return {
      title: `Conv VAE on ${size} colour images`,
      description: `A folder of images resized to ${size} RGB, a conv VAE (Conv ${list(numbers(a['filters'], []))}, stride ${list(numbers(a['strides'], [2]))}, LeakyReLU, ${decoder}), ${latent(s.latentDim)}, ${lossWords(s).long}, ${adam(s)}, ${budget(s)}, ${validation(s, 'images')}.${s.sigma === 1 ? ' At sigma 1 a colour run can settle on the mean image (a KL near 0); --sigma 0.1 or --sigma learned weights the pixels more.' : ''}`,
    };
  },
  mlp: (s) => {
    const input = s.dataset === 'folder' ? s.imageSize * s.imageSize * 3 : 784;
    const layers = [input, ...numbers(s.architecture['hiddenUnits'], []), s.latentDim];
    return {
      title: 'MLP VAE on MNIST',
      description: `The classic fully connected VAE: ${layers.join('-')} with relu, ${lossWords(s).long}, ${adam(s)}, ${budget(s)}.`,
    };
  },
  'cvae-beta': (s) => ({
    title: `Conditional beta-VAE on MNIST${s.beta === 1 ? '' : ` (beta ${s.beta})`}`,
    description: `A conditional VAE (the digit class joins the encoder input and the latent code; MLP ${numbers(s.architecture['hiddenUnits'], []).join('-')}), ${latent(s.latentDim)}, KL weighted by beta = ${s.beta} (--beta), ${lossWords(s).long}, ${adam(s)}, ${budget(s)}; an animation of the latent space through training and one latent-walk GIF per digit.`,
  }),
};

/**
 * The presets: each reproduces a classic VAE write-up on the embedded MNIST digits (or an image
 * folder for `cars128`). Every field can be overridden by a `--config` file or a flag; the title
 * and description are written for the preset's own settings ({@link presetText} rewrites them for
 * a run's).
 */
export const PRESETS: Readonly<Record<string, TrainSettings>> = Object.freeze(
  Object.fromEntries(
    Object.entries(SETTINGS).map(([name, settings]) => [
      name,
      { ...settings, ...(TEXT[name] as (s: PresetSettings) => { title: string; description: string })(settings) },
    ]),
  ),
);

/** The preset names, in the order `vae train --help` lists them. */
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);

/**
 * The title and description of a run, written for the settings it used (image size, epochs or
 * iterations, batch, learning rate, latent size, beta, likelihood, validation split and
 * architecture), when they are its preset's own; a title or description that a `--config` file
 * or `vae demo` gives is returned as it is.
 */
export function presetText(s: TrainSettings): { title: string; description: string } {
  const preset = PRESETS[s.preset];
  const text = TEXT[s.preset];
  if (preset === undefined || text === undefined) return { title: s.title, description: s.description };
  const written = text(s);
  return {
    title: s.title === preset.title ? written.title : s.title,
    description: s.description === preset.description ? written.description : s.description,
  };
}
