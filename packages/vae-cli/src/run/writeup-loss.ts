import type { LikelihoodConfig, VAE } from '@vae/core';

/**
 * The loss as the classic write-ups print it, recovered exactly from a run's reconstruction term
 * (`-log p(x | z)` in nats per example) and its KL term.
 */
export interface WriteupLoss {
  /** Short name, for console lines: `SSE + KL`, `BCE + KL`, `SSE + 4·KL`. */
  readonly name: string;
  /** The name with its unit, for `config.json` and the report's metrics table. */
  readonly label: string;
  /** The write-up's loss from a mean reconstruction term and a mean KL term (both in nats). */
  value(reconstruction: number, kl: number): number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The sum of squared errors per example behind a fixed-sigma Gaussian reconstruction term:
 * `-log p(x | z) = SSE / (2 sigma^2) + D/2 log(2 pi sigma^2)`, so
 * `SSE = 2 sigma^2 (rec - D/2 log(2 pi sigma^2))`.
 *
 * @param reconstruction - `-log p(x | z)` in nats (one example, or a mean over examples).
 * @param sigma - The likelihood's standard deviation.
 * @param dims - Values per example (784 for MNIST).
 * @returns The sum of squared errors per example, in the data's units squared.
 */
export function sseFromReconstruction(reconstruction: number, sigma: number, dims: number): number {
  const variance = sigma * sigma;
  return 2 * variance * (reconstruction - 0.5 * dims * (LOG_2PI + Math.log(variance)));
}

/**
 * The write-up's own loss for a likelihood: SSE + KL for a Gaussian of fixed sigma (the sum of
 * squared errors per example plus the KL in nats), BCE + KL for Bernoulli (the binary
 * cross-entropy summed per example plus KL, which is the loss in nats itself). With a beta other
 * than 1 the KL is weighted by it, as the beta-VAE write-up's loss is. A learned variance has no
 * fixed relation between the nats and the squared error: `undefined`.
 *
 * @param likelihood - The model's likelihood config (`vae.likelihood.toConfig()`).
 * @param dims - Values per example.
 * @param beta - The weight on KL.
 */
export function writeupLoss(likelihood: LikelihoodConfig, dims: number, beta: number): WriteupLoss | undefined {
  const kl = beta === 1 ? 'KL' : `${beta}·KL`;
  if (likelihood.kind === 'gaussian') {
    const sigma = likelihood.sigma;
    return {
      name: `SSE + ${kl}`,
      label: `SSE + ${kl} (squared errors summed over the ${dims} values of an example, data in [0, 1], + KL in nats; recovered exactly from the nats at sigma ${Number(sigma.toPrecision(4))})`,
      value: (reconstruction, klTerm) => sseFromReconstruction(reconstruction, sigma, dims) + beta * klTerm,
    };
  }
  if (likelihood.kind === 'bernoulli') {
    return {
      name: `BCE + ${kl}`,
      label: `BCE + ${kl} (binary cross-entropy summed over the ${dims} values of an example + KL, in nats; the Bernoulli reconstruction term is the BCE itself, a log-likelihood for binary data)`,
      value: (reconstruction, klTerm) => reconstruction + beta * klTerm,
    };
  }
  return undefined;
}

/** A likelihood config in words, for the `model:` line: `gaussian likelihood (sigma 0.7071)`. */
export function likelihoodWords(likelihood: LikelihoodConfig): string {
  if (likelihood.kind === 'gaussian') return `gaussian likelihood (sigma ${Number(likelihood.sigma.toPrecision(4))})`;
  if (likelihood.kind === 'learned-gaussian') return `gaussian likelihood (learned ${likelihood.variance} variance)`;
  return `${likelihood.kind} likelihood`;
}

/** The standard deviation a learned scalar variance has reached; `undefined` for other likelihoods. */
export function learnedSigma(vae: VAE): number | undefined {
  const config = vae.likelihood.toConfig();
  const logVar = vae.likelihood.trainableVariables[0];
  if (config.kind !== 'learned-gaussian' || config.variance !== 'scalar' || logVar === undefined) return undefined;
  return Math.exp(0.5 * (logVar.dataSync()[0] as number));
}
