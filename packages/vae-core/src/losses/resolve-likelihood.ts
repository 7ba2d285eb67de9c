import { ConfigError } from '../errors/index.js';
import { show } from '../internal/index.js';
import { BernoulliLikelihood } from './bernoulli-likelihood.js';
import { GaussianLikelihood } from './gaussian-likelihood.js';
import { LearnedGaussianLikelihood } from './learned-gaussian-likelihood.js';
import type { LearnedVariance, Likelihood, LikelihoodConfig } from './likelihood.js';

/**
 * Anything that names a likelihood: an object, its JSON config, or a kind as a string
 * (`'bernoulli'`, `'gaussian'` with sigma 1, `'learned-gaussian'` with a scalar variance).
 *
 * @category Losses
 */
export type LikelihoodSpec = Likelihood | LikelihoodConfig | LikelihoodConfig['kind'];

/**
 * Turns a {@link LikelihoodSpec} into a likelihood object.
 *
 * @param spec - A likelihood, its config, or its kind.
 * @param where - The caller, for error messages.
 * @returns The likelihood (the same object when `spec` already is one; a new one otherwise).
 * @throws {@link ConfigError} for an unknown kind.
 * @example
 * ```ts
 * import { resolveLikelihood } from '@vae/core';
 * const lik = resolveLikelihood({ kind: 'gaussian', sigma: 0.5 });
 * ```
 * @category Losses
 */
export function resolveLikelihood(spec: LikelihoodSpec, where = 'resolveLikelihood'): Likelihood {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Likelihood).logProb === 'function') {
    return spec as Likelihood;
  }
  const config = typeof spec === 'string' ? ({ kind: spec } as LikelihoodConfig) : (spec as LikelihoodConfig);
  switch (config?.kind) {
    case 'bernoulli':
      return new BernoulliLikelihood();
    case 'gaussian':
      return new GaussianLikelihood({ sigma: (config as { sigma?: number }).sigma });
    case 'learned-gaussian': {
      const c = config as { variance?: LearnedVariance; initialLogVar?: number };
      return new LearnedGaussianLikelihood({ variance: c.variance, initialLogVar: c.initialLogVar });
    }
    default:
      throw new ConfigError(
        `${where}: likelihood must be 'bernoulli', 'gaussian', 'learned-gaussian', their config objects or a likelihood object, got ${show(spec)}. Pass e.g. { likelihood: 'bernoulli' }.`,
        { field: 'likelihood', expected: "'bernoulli' | 'gaussian' | 'learned-gaussian' or a Likelihood", got: spec },
      );
  }
}
