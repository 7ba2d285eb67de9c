import { checkInteger, checkNumber, checkShape } from '../internal/index.js';
import { type Likelihood, type LikelihoodSpec, resolveLikelihood } from '../losses/index.js';

/**
 * Fields every builder's config shares.
 *
 * @category Models
 */
export interface CommonBuilderConfig {
  /** Data shape without the batch axis. */
  inputShape?: number[];
  /** Size of the latent space. */
  latentDim?: number;
  /**
   * The likelihood `p(x | z)`: `'bernoulli'` (logits; data in [0, 1]), `'gaussian'`,
   * `'learned-gaussian'`, a config object, or a likelihood object.
   *
   * @defaultValue `'bernoulli'`
   */
  likelihood?: LikelihoodSpec;
  /** Weight of the KL term (beta-VAE). @defaultValue 1 */
  beta?: number;
  /** Free-bits floor per latent dimension, in nats (0 disables). @defaultValue 0 */
  freeBits?: number;
  /** Seed of the initial weights (same seed, same weights). @defaultValue null (unseeded) */
  seed?: number | null;
}

/** Common fields after validation. */
export interface ResolvedCommon {
  inputShape: number[];
  latentDim: number;
  likelihood: Likelihood;
  beta: number;
  freeBits: number;
  seed: number | null;
}

/** Validates the common fields of a merged builder config. */
export function resolveCommon(where: string, c: Required<CommonBuilderConfig>): ResolvedCommon {
  return {
    inputShape: checkShape(where, 'inputShape', c.inputShape, '{ inputShape: [28, 28, 1] }'),
    latentDim: checkInteger(where, 'latentDim', c.latentDim, 1, '{ latentDim: 16 }'),
    likelihood: resolveLikelihood(c.likelihood, where),
    beta: checkNumber(where, 'beta', c.beta, 0, Number.POSITIVE_INFINITY, '{ beta: 4 }'),
    freeBits: checkNumber(where, 'freeBits', c.freeBits, 0, Number.POSITIVE_INFINITY, '{ freeBits: 0.5 }'),
    seed: c.seed === null ? null : checkNumber(where, 'seed', c.seed, -(2 ** 31), 2 ** 31, '{ seed: 42 }'),
  };
}
