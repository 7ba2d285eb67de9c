// The replica module the worker engine hands to the parallel trainer: every worker rebuilds the
// main thread's VAE from its saved artifacts and trains it with the noise sent in the batch.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of every op in Node
import { ConfigError, loadVAE, type VAE } from '@vae/core';
import { VAEAdam } from '../optimizers/vae-adam.js';
import type { MlpVAEActivation, MlpVAELikelihood, MlpVAESpec } from './mlp-vae-spec.js';
import type { Replica } from './replica.js';

/**
 * What the main thread sends each worker to rebuild its VAE: the model as `vae.save` writes it
 * to a pair of in-memory handlers, and the Adam optimizer's starting learning rate.
 */
export interface VAEReplicaOptions {
  /** The encoder's artifacts (with the VAE manifest in its `userDefinedMetadata`). */
  encoder: tf.io.ModelArtifacts;
  /** The decoder's artifacts. */
  decoder: tf.io.ModelArtifacts;
  /** The learning rate Adam starts with (each step may set another). */
  learningRate: number;
  /** Adam's beta1 (a resumed checkpoint's); tfjs's default when left out. */
  beta1?: number;
  /** Adam's beta2 (a resumed checkpoint's); tfjs's default when left out. */
  beta2?: number;
  /** Adam's epsilon (a resumed checkpoint's); the backend's default when left out. */
  epsilon?: number;
}

/**
 * What {@link mlpVAESupport} says of a model: the spec the fused MLP step trains it with, or
 * why the step cannot run it.
 *
 * @category Training
 */
export type MlpVAESupport =
  | {
      /** The model as the fused MLP step sees it. */
      spec: MlpVAESpec;
    }
  | {
      /** The first condition the model misses, as a sentence. */
      reason: string;
    };

/**
 * Whether the fused MLP step can train a VAE, and with which {@link MlpVAESpec}: defined for
 * a model of `buildMlpVAE`, or of `buildConditionalVAE` with the MLP variant, with what the fused
 * step runs (no dropout, relu / leakyRelu / linear hidden layers, a Bernoulli or fixed-sigma
 * Gaussian likelihood, no free bits). Anything else trains with tfjs autodiff, and `reason` says
 * why, for the plan and the history.
 *
 * @param vae - The model.
 * @returns `{ spec }`, or `{ reason }` naming the first condition the model misses.
 * @example
 * ```ts
 * import { buildMlpVAE } from '@vae/core';
 * import { mlpVAESupport, useBackend } from '@vae/backends';
 *
 * await useBackend('cpu');
 * const vae = buildMlpVAE({ dropout: 0.1 });
 * console.log(mlpVAESupport(vae)); // { reason: 'the fused MLP step runs no dropout (dropout 0.1)' }
 * vae.dispose();
 * ```
 * @category Training
 */
export function mlpVAESupport(vae: VAE): MlpVAESupport {
  const { config } = vae;
  const arch = config.architecture as {
    variant?: string;
    hiddenUnits?: number[];
    decoderUnits?: number[];
    activation?: string;
    leakyReluAlpha?: number;
    dropout?: number;
  };
  const mlp = config.builder === 'buildMlpVAE' && vae.numClasses === 0;
  const conditionalMlp = config.builder === 'buildConditionalVAE' && arch.variant === 'mlp' && vae.numClasses > 0;
  if (!(mlp || conditionalMlp)) {
    const what =
      config.builder === 'buildConditionalVAE'
        ? `a conditional ${arch.variant ?? ''} model`
        : `a model of ${config.builder ?? 'buildVAE'}`;
    return {
      reason: `the fused MLP step runs MLPs of buildMlpVAE and buildConditionalVAE, not ${what.replace('  ', ' ')}`,
    };
  }
  if (config.freeBits !== 0) return { reason: `the fused MLP step runs no free bits (freeBits ${config.freeBits})` };
  if ((arch.dropout ?? 0) !== 0) return { reason: `the fused MLP step runs no dropout (dropout ${arch.dropout})` };
  const activation = arch.activation as MlpVAEActivation;
  if (!['relu', 'leakyRelu', 'linear'].includes(activation)) {
    return { reason: `the fused MLP step runs relu, leakyRelu and linear layers, not ${String(arch.activation)}` };
  }
  if (!Array.isArray(arch.hiddenUnits) || !Array.isArray(arch.decoderUnits)) {
    return { reason: 'the model config lists no hidden layer widths' };
  }
  const lik = config.likelihood;
  let likelihood: MlpVAELikelihood;
  if (lik.kind === 'bernoulli') likelihood = { kind: 'bernoulli' };
  else if (lik.kind === 'gaussian') likelihood = { kind: 'gaussian', sigma: lik.sigma };
  else return { reason: `the fused MLP step runs Bernoulli and fixed-sigma Gaussian likelihoods, not ${lik.kind}` };
  return {
    spec: {
      inputSize: vae.inputShape.reduce((a, b) => a * b, 1),
      encoderUnits: [...arch.hiddenUnits],
      latentDim: vae.latentDim,
      decoderUnits: [...arch.decoderUnits],
      activation,
      leakyReluAlpha: arch.leakyReluAlpha ?? 0.2,
      likelihood,
      beta: config.beta,
      ...(conditionalMlp ? { conditionWidth: vae.numClasses } : {}),
    },
  };
}

/**
 * Builds one worker's replica of a VAE: its trainable variables in `vae.trainableVariables`
 * order, a loss that is `vae.lossTerms(x, { eps, labels, klWeight, training: true }).total` with
 * the reconstruction and KL terms as metrics, and Adam.
 *
 * @param options - The saved model and the learning rate.
 * @returns The replica.
 * @throws `ConfigError` when the options do not hold both networks' artifacts.
 */
export async function createReplica(options: VAEReplicaOptions): Promise<Replica> {
  if (options?.encoder?.modelTopology === undefined || options.decoder?.modelTopology === undefined) {
    throw new ConfigError(
      'workerEngine replica: the worker received no encoder or decoder artifacts. Start it through workerEngine() of @vae/backends.',
      { field: 'replicaOptions', expected: '{ encoder, decoder, learningRate }', got: typeof options },
    );
  }
  const vae = await loadVAE({ encoder: tf.io.fromMemory(options.encoder), decoder: tf.io.fromMemory(options.decoder) });
  const support = mlpVAESupport(vae);
  const dense = 'spec' in support ? support.spec : undefined;
  return {
    variables: vae.trainableVariables,
    loss: ({ x, eps, labels }, scalars) => {
      const terms = vae.lossTerms(x as tf.Tensor, {
        ...(labels === undefined ? {} : { labels }),
        ...(eps === undefined ? {} : { eps }),
        klWeight: scalars.klWeight ?? 1,
        training: true,
      });
      return { loss: terms.total, metrics: { reconstruction: terms.reconstruction, kl: terms.kl } };
    },
    optimizer: new VAEAdam(options.learningRate, options.beta1, options.beta2, options.epsilon),
    ...(dense === undefined ? {} : { mlpVAE: dense }),
  };
}
