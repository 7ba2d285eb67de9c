import * as tfl from '@tensorflow/tfjs-layers';
import { checkIntegerList, checkNumber, type JsonObject, mergeDefaults } from '../internal/index.js';
import type { VAE } from '../models/vae.js';
import { buildVAE } from './build-vae.js';
import { type CommonBuilderConfig, type ResolvedCommon, resolveCommon } from './common.js';
import {
  type Activation,
  checkActivation,
  dense,
  flatten,
  gaussianHeads,
  Initializers,
  paramHead,
  type Sym,
} from './layer-helpers.js';

/**
 * Configuration of {@link buildMlpVAE}: fully connected encoder and decoder.
 *
 * @category Models
 */
export interface MlpVAEConfig extends CommonBuilderConfig {
  /** Data shape without the batch axis (flattened by the encoder). @defaultValue [28, 28, 1] */
  inputShape?: number[];
  /** Size of the latent space. @defaultValue 20 */
  latentDim?: number;
  /** Widths of the encoder's hidden layers. @defaultValue [400] */
  hiddenUnits?: number[];
  /** Widths of the decoder's hidden layers; `null` mirrors `hiddenUnits`. @defaultValue null */
  decoderUnits?: number[] | null;
  /** Activation of the hidden layers. @defaultValue `'relu'` */
  activation?: Activation;
  /** Slope below zero when `activation` is `'leakyRelu'`. @defaultValue 0.2 */
  leakyReluAlpha?: number;
  /** Dropout rate after each hidden layer of the encoder (0 = none). @defaultValue 0 */
  dropout?: number;
}

/**
 * Defaults of {@link buildMlpVAE}: 784-400-20, the classic MNIST MLP VAE.
 *
 * @category Models
 */
export const MLP_VAE_DEFAULTS: Readonly<Required<MlpVAEConfig>> = Object.freeze({
  inputShape: [28, 28, 1],
  latentDim: 20,
  hiddenUnits: [400],
  decoderUnits: null,
  activation: 'relu',
  leakyReluAlpha: 0.2,
  dropout: 0,
  likelihood: 'bernoulli',
  beta: 1,
  freeBits: 0,
  seed: null,
});

/** The MLP-specific fields after validation. */
export interface ResolvedMlp {
  hiddenUnits: number[];
  decoderUnits: number[];
  activation: Activation;
  leakyReluAlpha: number;
  dropout: number;
}

/** Validates the MLP fields. */
export function resolveMlp(where: string, c: Required<MlpVAEConfig>): ResolvedMlp {
  const hiddenUnits = checkIntegerList(where, 'hiddenUnits', c.hiddenUnits, 1, '{ hiddenUnits: [400] }');
  return {
    hiddenUnits,
    decoderUnits:
      c.decoderUnits === null
        ? [...hiddenUnits].reverse()
        : checkIntegerList(where, 'decoderUnits', c.decoderUnits, 1, '{ decoderUnits: [400] }'),
    activation: checkActivation(where, 'activation', c.activation),
    leakyReluAlpha: checkNumber(where, 'leakyReluAlpha', c.leakyReluAlpha, 0, 1, '{ leakyReluAlpha: 0.2 }'),
    dropout: checkNumber(where, 'dropout', c.dropout, 0, 0.99, '{ dropout: 0.1 }'),
  };
}

/** Encoder features: flatten, hidden Dense layers (label concatenated first when given). */
export function mlpEncoderFeatures(x: Sym, label: Sym | undefined, m: ResolvedMlp, init: Initializers): Sym {
  let h = flatten(x);
  if (label) h = tfl.layers.concatenate().apply([h, label]) as Sym;
  for (const units of m.hiddenUnits) h = dense(h, units, m.activation, m.leakyReluAlpha, init, m.dropout);
  return h;
}

/** Decoder body: hidden Dense layers, then a linear Dense reshaped to the parameter shape. */
export function mlpDecoderParams(h: Sym, paramShape: number[], m: ResolvedMlp, init: Initializers): Sym {
  let t = h;
  for (const units of m.decoderUnits) t = dense(t, units, m.activation, m.leakyReluAlpha, init);
  return paramHead(t, paramShape, init);
}

/** The JSON architecture record of an MLP VAE. */
export function mlpArchitecture(c: ResolvedCommon, m: ResolvedMlp): JsonObject {
  return { ...m, inputShape: c.inputShape, latentDim: c.latentDim, seed: c.seed };
}

/**
 * Builds a fully connected VAE: `flatten -> Dense(hiddenUnits...) -> [mean, logVar]` and
 * `z -> Dense(decoderUnits...) -> Dense(prod(inputShape)) -> reshape`. The defaults give the
 * classic 784-400-20 MNIST model; any input shape works.
 *
 * @param config - See {@link MlpVAEConfig}; defaults in {@link MLP_VAE_DEFAULTS}.
 * @returns A new VAE (the caller disposes it).
 * @throws {@link ConfigError} for invalid or unknown fields.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * const vae = buildMlpVAE({ inputShape: [28, 28, 1], hiddenUnits: [512, 256], latentDim: 10 });
 * vae.summary();
 * ```
 * @category Models
 */
export function buildMlpVAE(config: MlpVAEConfig = {}): VAE {
  const where = 'buildMlpVAE';
  const merged = mergeDefaults(where, MLP_VAE_DEFAULTS, config);
  const c = resolveCommon(where, merged);
  const m = resolveMlp(where, merged);
  const init = new Initializers(c.seed);
  const paramShape = c.likelihood.paramShape(c.inputShape);
  const x = tfl.input({ shape: c.inputShape, name: 'x' });
  const [mean, logVar] = gaussianHeads(mlpEncoderFeatures(x, undefined, m, init), c.latentDim, init);
  const encoder = tfl.model({ inputs: x, outputs: [mean, logVar], name: 'encoder' });
  const z = tfl.input({ shape: [c.latentDim], name: 'z' });
  const decoder = tfl.model({ inputs: z, outputs: mlpDecoderParams(z, paramShape, m, init), name: 'decoder' });
  return buildVAE({
    encoder,
    decoder,
    latentDim: c.latentDim,
    inputShape: c.inputShape,
    likelihood: c.likelihood,
    beta: c.beta,
    freeBits: c.freeBits,
    builder: where,
    architecture: mlpArchitecture(c, m),
  });
}
