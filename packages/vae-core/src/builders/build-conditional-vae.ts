import * as tfl from '@tensorflow/tfjs-layers';
import { checkChoice, checkInteger, type JsonObject, mergeDefaults } from '../internal/index.js';
import type { VAE } from '../models/vae.js';
import {
  CONV_VAE_DEFAULTS,
  type ConvVAEConfig,
  convArchitecture,
  convDecoderParams,
  convEncoderFeatures,
  resolveConv,
} from './build-conv-vae.js';
import {
  MLP_VAE_DEFAULTS,
  type MlpVAEConfig,
  mlpArchitecture,
  mlpDecoderParams,
  mlpEncoderFeatures,
  resolveMlp,
} from './build-mlp-vae.js';
import { buildVAE } from './build-vae.js';
import { type ResolvedCommon, resolveCommon } from './common.js';
import { apply, gaussianHeads, Initializers } from './layer-helpers.js';

/**
 * Configuration of {@link buildConditionalVAE}: an MLP or conv VAE whose encoder and decoder
 * both receive the one-hot class label. The fields of the chosen variant's config apply, with
 * its defaults ({@link MLP_VAE_DEFAULTS} or {@link CONV_VAE_DEFAULTS}).
 *
 * @category Models
 */
export type ConditionalVAEConfig =
  | ({
      /** Fully connected networks; the label joins the flattened input and `z`. */
      variant?: 'mlp';
      /** Number of classes. @defaultValue 10 */
      numClasses?: number;
    } & MlpVAEConfig)
  | ({
      /** Conv networks; the label joins the flattened conv features and `z`. */
      variant: 'conv';
      /** Number of classes. @defaultValue 10 */
      numClasses?: number;
    } & ConvVAEConfig);

/**
 * Builds a conditional VAE: `q(z | x, y)` and `p(x | z, y)` with a one-hot label `y`. Pass labels
 * to every call: `encode(x, { labels })`, `decode(z, { labels })`, `lossTerms(x, { labels })`,
 * `sample(n, { labels })` (one class id for all, or one per example).
 *
 * The label is concatenated to the encoder's flattened input (MLP) or flattened conv features
 * (conv), and to `z` before the decoder.
 *
 * @param config - `variant` (`'mlp'` or `'conv'`), `numClasses`, and the variant's fields.
 * @returns A new VAE with `numClasses > 0` (the caller disposes it).
 * @throws {@link ConfigError} for invalid or unknown fields.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildConditionalVAE } from '@vae/core';
 * const cvae = buildConditionalVAE({ variant: 'conv', numClasses: 10, latentDim: 8 });
 * const sevens = cvae.sample(16, { labels: 7, seed: 1 });
 * ```
 * @category Models
 */
export function buildConditionalVAE(config: ConditionalVAEConfig = {}): VAE {
  const where = 'buildConditionalVAE';
  const { variant: rawVariant, numClasses: rawClasses, ...rest } = config;
  const variant = checkChoice(where, 'variant', rawVariant ?? 'mlp', ['mlp', 'conv']);
  const numClasses = checkInteger(where, 'numClasses', rawClasses ?? 10, 1, '{ numClasses: 10 }');
  let encoder: tfl.LayersModel;
  let decoder: tfl.LayersModel;
  let architecture: JsonObject;
  let common: ResolvedCommon;
  if (variant === 'mlp') {
    const merged = mergeDefaults(where, MLP_VAE_DEFAULTS, rest);
    common = resolveCommon(where, merged);
    const m = resolveMlp(where, merged);
    const init = new Initializers(common.seed);
    const xIn = tfl.input({ shape: common.inputShape, name: 'x' });
    const yIn = tfl.input({ shape: [numClasses], name: 'label' });
    const [mean, logVar] = gaussianHeads(mlpEncoderFeatures(xIn, yIn, m, init), common.latentDim, init);
    encoder = tfl.model({ inputs: [xIn, yIn], outputs: [mean, logVar], name: 'encoder' });
    const zIn = tfl.input({ shape: [common.latentDim], name: 'z' });
    const yDec = tfl.input({ shape: [numClasses], name: 'label' });
    const h = apply(tfl.layers.concatenate(), [zIn, yDec]);
    const params = mlpDecoderParams(h, common.likelihood.paramShape(common.inputShape), m, init);
    decoder = tfl.model({ inputs: [zIn, yDec], outputs: params, name: 'decoder' });
    architecture = { ...mlpArchitecture(common, m), variant, numClasses };
  } else {
    const merged = mergeDefaults(where, CONV_VAE_DEFAULTS, rest);
    common = resolveCommon(where, merged);
    const k = resolveConv(where, merged, common.inputShape);
    const init = new Initializers(common.seed);
    const xIn = tfl.input({ shape: common.inputShape, name: 'x' });
    const yIn = tfl.input({ shape: [numClasses], name: 'label' });
    const [mean, logVar] = gaussianHeads(convEncoderFeatures(xIn, yIn, k, init), common.latentDim, init);
    encoder = tfl.model({ inputs: [xIn, yIn], outputs: [mean, logVar], name: 'encoder' });
    const zIn = tfl.input({ shape: [common.latentDim], name: 'z' });
    const yDec = tfl.input({ shape: [numClasses], name: 'label' });
    const h = apply(tfl.layers.concatenate(), [zIn, yDec]);
    const channels = common.likelihood.paramShape(common.inputShape)[2];
    decoder = tfl.model({ inputs: [zIn, yDec], outputs: convDecoderParams(h, channels, k, init), name: 'decoder' });
    architecture = { ...convArchitecture(common, k), variant, numClasses };
  }
  return buildVAE({
    encoder,
    decoder,
    latentDim: common.latentDim,
    inputShape: common.inputShape,
    numClasses,
    likelihood: common.likelihood,
    beta: common.beta,
    freeBits: common.freeBits,
    builder: where,
    architecture,
  });
}
