import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)
import { ConfigError } from '../errors/index.js';
import { checkInteger, show } from '../internal/index.js';

/**
 * Options shared by every function that draws random numbers.
 *
 * @category Sampling
 */
export interface SeedOptions {
  /**
   * Seed of the random numbers. The same seed gives the same numbers on the same backend;
   * without one, each call draws fresh numbers.
   *
   * @defaultValue undefined (unseeded)
   */
  seed?: number;
}

/** Checks an optional seed; returns it. */
export function checkSeed(where: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ConfigError(`${where}: seed must be a finite number, got ${show(seed)}. Pass e.g. { seed: 42 }.`, {
      field: 'seed',
      expected: 'a finite number',
      got: seed,
    });
  }
  return seed;
}

/**
 * The reparameterization trick: `z = mean + exp(0.5 * logVar) * eps` with `eps ~ N(0, I)`,
 * differentiable with respect to `mean` and `logVar`.
 *
 * @param mean - `[batch, latentDim]`.
 * @param logVar - `[batch, latentDim]`.
 * @param options - `seed` for reproducible noise.
 * @returns `z`, `[batch, latentDim]` (new tensor).
 * @throws {@link ConfigError} for a non-finite seed.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { reparameterize } from '@vae/core';
 * const z = reparameterize(tf.zeros([2, 3]), tf.zeros([2, 3]), { seed: 7 });
 * ```
 * @category Sampling
 */
export function reparameterize(mean: tf.Tensor, logVar: tf.Tensor, options: SeedOptions = {}): tf.Tensor2D {
  const seed = checkSeed('reparameterize', options.seed);
  return tf.tidy(() => {
    const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', seed);
    return tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as tf.Tensor2D;
  });
}

/**
 * Draws `n` latent vectors from the standard normal prior.
 *
 * @param n - How many vectors.
 * @param latentDim - Their size.
 * @param options - `seed` for reproducible draws.
 * @returns `[n, latentDim]` (new tensor).
 * @throws {@link ConfigError} when `n` or `latentDim` is not a positive integer.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { samplePrior } from '@vae/core';
 * const z = samplePrior(16, 2, { seed: 1 });
 * ```
 * @category Sampling
 */
export function samplePrior(n: number, latentDim: number, options: SeedOptions = {}): tf.Tensor2D {
  checkInteger('samplePrior', 'n', n, 1, 'samplePrior(16, latentDim)');
  checkInteger('samplePrior', 'latentDim', latentDim, 1, 'samplePrior(16, 2)');
  const seed = checkSeed('samplePrior', options.seed);
  return tf.randomNormal([n, latentDim], 0, 1, 'float32', seed);
}
