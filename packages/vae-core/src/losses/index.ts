export { BernoulliLikelihood, bernoulliLikelihood } from './bernoulli-likelihood.js';
export type { GaussianLikelihoodOptions } from './gaussian-likelihood.js';
export { GaussianLikelihood, gaussianLikelihood } from './gaussian-likelihood.js';
export type { KlMonteCarloOptions } from './kl-divergence.js';
export {
  diagonalGaussianLogProb,
  klDiagonalGaussian,
  klFreeBits,
  klMonteCarlo,
  klStandardNormal,
  klStandardNormalPerDimension,
  standardNormalLogProb,
} from './kl-divergence.js';
export type { LearnedGaussianLikelihoodOptions } from './learned-gaussian-likelihood.js';
export { LearnedGaussianLikelihood, learnedGaussianLikelihood } from './learned-gaussian-likelihood.js';
export type { LearnedVariance, Likelihood, LikelihoodConfig, LikelihoodSupport } from './likelihood.js';
export { sumPerExample } from './reduce.js';
export type { LikelihoodSpec } from './resolve-likelihood.js';
export { resolveLikelihood } from './resolve-likelihood.js';
