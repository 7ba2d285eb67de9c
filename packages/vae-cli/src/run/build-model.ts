import {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  type ConditionalVAEConfig,
  type LikelihoodSpec,
  type VAE,
} from '@vae/core';
import type { TrainSettings } from './settings.js';

/** Shape of one example of a run: `[28, 28, 1]` for MNIST, `[size, size, 3]` for a folder. */
export function inputShapeOf(s: TrainSettings): number[] {
  return s.dataset === 'folder' ? [s.imageSize, s.imageSize, 3] : [28, 28, 1];
}

/**
 * The likelihood a run's settings describe: `likelihood` as it is, or with `sigma` set, a Gaussian
 * of that fixed standard deviation (`{ kind: 'gaussian', sigma }`) or of a learned variance
 * (`{ kind: 'learned-gaussian', variance: 'scalar' }`, one log-variance learned with the weights).
 */
export function likelihoodOf(s: TrainSettings): LikelihoodSpec {
  const sigma = s.sigma ?? null;
  if (sigma === 'learned') return { kind: 'learned-gaussian', variance: 'scalar', initialLogVar: 0 };
  if (typeof sigma === 'number') return { kind: 'gaussian', sigma };
  return s.likelihood as LikelihoodSpec;
}

/** Builds the untrained model a run's settings describe (builders validate the architecture). */
export function buildModel(s: TrainSettings): VAE {
  const common = {
    inputShape: inputShapeOf(s),
    latentDim: s.latentDim,
    likelihood: likelihoodOf(s),
    beta: s.beta,
    seed: s.seed,
  };
  switch (s.model) {
    case 'conv':
      return buildConvVAE({ ...s.architecture, ...common });
    case 'mlp':
      return buildMlpVAE({ ...s.architecture, ...common });
    case 'lstm':
      return buildLstmVAE({ ...s.architecture, ...common });
    case 'conditional':
      return buildConditionalVAE({ ...s.architecture, ...common } as ConditionalVAEConfig);
  }
}
