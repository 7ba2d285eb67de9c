import type { JsonObject } from '@vae/core';

/** The model families a preset can build. */
export type ModelKind = 'conv' | 'mlp' | 'lstm' | 'conditional';

/** Pictures a run can write beside the report. */
export type PictureKind =
  | 'loss'
  | 'samples'
  | 'reconstructions'
  | 'manifold'
  | 'scatter'
  | 'interpolation'
  | 'progress'
  | 'latent-gif'
  | 'digit-gifs';

/**
 * Everything a training run is made of: plain JSON, written to `runs/<name>/config.json`.
 * A preset gives every field; a `--config` file and flags override them.
 */
export interface TrainSettings {
  /** The preset the run started from. */
  preset: string;
  /** Heading of the report. */
  title: string;
  /** What the preset reproduces (one paragraph, shown in the report). */
  description: string;
  /** Which builder makes the model. */
  model: ModelKind;
  /** Builder fields beyond the common ones (filters, kernelSize, hiddenUnits, units, ...). */
  architecture: JsonObject;
  /** `'bernoulli'` (BCE), `'gaussian'` (MSE), or a likelihood config object. */
  likelihood: string | JsonObject;
  /**
   * Standard deviation of a Gaussian likelihood (`--sigma`): a number > 0 fixes it, `'learned'`
   * learns one variance for every pixel (core's `learnedGaussianLikelihood`), `null` keeps the
   * likelihood's own (sigma 1 for `'gaussian'`). Refused for a Bernoulli likelihood.
   */
  sigma: number | 'learned' | null;
  /** Size of the latent space. */
  latentDim: number;
  /** Weight on the KL term (beta-VAE). */
  beta: number;
  /** Where the data comes from: the embedded MNIST digits, or a folder of images (`data`). */
  dataset: 'mnist' | 'folder';
  /** The image folder for `dataset: 'folder'`. */
  data: string | null;
  /** Side of the square images a folder is resized to. */
  imageSize: number;
  /** Train on the first `limit` examples only. */
  limit: number | null;
  /** Epochs to train (with `iterations`, an upper bound). */
  epochs: number;
  /** An iteration budget: stop after this many optimizer steps. */
  iterations: number | null;
  /** Print the loss and write input/decoded pictures every this many iterations. */
  every: number | null;
  /** Examples per batch. */
  batchSize: number;
  /** Adam's learning rate. */
  lr: number;
  /** Piecewise-constant decay: from epoch `at` on, the rate is `lr * factor`. */
  lrDecay: { at: number; factor: number } | null;
  /** Fraction of the training data held out for validation (0: the test digits validate). */
  validationSplit: number;
  /** Seed of the initial weights, the shuffles and the sampling noise. */
  seed: number;
  /** Pictures written beside the report. */
  pictures: PictureKind[];
  /** Print the encoder's and decoder's summaries before training. */
  printSummary: boolean;
  /** The backend asked for (`--backend`). */
  backend: string;
}

/** Fields a `--config` file or a flag may set, with their JSON type. */
export const SETTING_TYPES: Readonly<Record<keyof TrainSettings, string>> = Object.freeze({
  preset: 'string',
  title: 'string',
  description: 'string',
  model: 'string',
  architecture: 'object',
  likelihood: 'string|object',
  sigma: 'number|string|null',
  latentDim: 'integer',
  beta: 'number',
  dataset: 'string',
  data: 'string|null',
  imageSize: 'integer',
  limit: 'integer|null',
  epochs: 'integer',
  iterations: 'integer|null',
  every: 'integer|null',
  batchSize: 'integer',
  lr: 'number',
  lrDecay: 'object|null',
  validationSplit: 'number',
  seed: 'integer',
  pictures: 'array',
  printSummary: 'boolean',
  backend: 'string',
});
