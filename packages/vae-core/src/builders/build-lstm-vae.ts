import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors/index.js';
import {
  checkChoice,
  checkInteger,
  checkIntegerList,
  checkNumber,
  mergeDefaults,
  showShape,
} from '../internal/index.js';
import type { VAE } from '../models/vae.js';
import { buildVAE } from './build-vae.js';
import { type CommonBuilderConfig, resolveCommon } from './common.js';
import {
  type Activation,
  apply,
  checkActivation,
  dense,
  gaussianHeads,
  Initializers,
  paramHead,
} from './layer-helpers.js';

/**
 * Activations an LSTM accepts for its cell and gates.
 *
 * @category Models
 */
export type RecurrentActivation = 'tanh' | 'sigmoid' | 'hardSigmoid' | 'relu' | 'linear';

const RECURRENT: readonly RecurrentActivation[] = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear'];

/**
 * Configuration of {@link buildLstmVAE}: an LSTM encoder reading sequences (the rows of an image)
 * and a dense decoder.
 *
 * @category Models
 */
export interface LstmVAEConfig extends CommonBuilderConfig {
  /**
   * Data shape: `[steps, features]`, or an image `[height, width, channels]` read row by row
   * (`height` steps of `width * channels` features).
   *
   * @defaultValue [28, 28, 1]
   */
  inputShape?: number[];
  /** Size of the latent space. @defaultValue 16 */
  latentDim?: number;
  /** Units of the LSTM. @defaultValue 256 */
  units?: number;
  /** Activation of the LSTM's cell and output. @defaultValue `'tanh'` */
  lstmActivation?: RecurrentActivation;
  /** Activation of the LSTM's gates. @defaultValue `'sigmoid'` */
  recurrentActivation?: RecurrentActivation;
  /** Widths of the decoder's hidden Dense layers. @defaultValue [256] */
  decoderUnits?: number[];
  /** Activation of the decoder's hidden layers. @defaultValue `'relu'` */
  activation?: Activation;
  /** Slope below zero when `activation` is `'leakyRelu'`. @defaultValue 0.2 */
  leakyReluAlpha?: number;
  /** Dropout rate on the LSTM's inputs (0 = none). @defaultValue 0 */
  dropout?: number;
}

/**
 * Defaults of {@link buildLstmVAE}.
 *
 * @category Models
 */
export const LSTM_VAE_DEFAULTS: Readonly<Required<LstmVAEConfig>> = Object.freeze({
  inputShape: [28, 28, 1],
  latentDim: 16,
  units: 256,
  lstmActivation: 'tanh',
  recurrentActivation: 'sigmoid',
  decoderUnits: [256],
  activation: 'relu',
  leakyReluAlpha: 0.2,
  dropout: 0,
  likelihood: 'bernoulli',
  beta: 1,
  freeBits: 0,
  seed: null,
});

/**
 * Builds a VAE whose encoder is an LSTM over the rows of each example (`[height, width * channels]`
 * per image) and whose decoder is a stack of Dense layers reshaped to the data shape.
 *
 * @param config - See {@link LstmVAEConfig}; defaults in {@link LSTM_VAE_DEFAULTS}.
 * @returns A new VAE (the caller disposes it).
 * @throws {@link ConfigError} for invalid or unknown fields, or a data shape of rank 1.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildLstmVAE } from '@vae/core';
 * const vae = buildLstmVAE({ units: 128, latentDim: 8 });
 * ```
 * @category Models
 */
export function buildLstmVAE(config: LstmVAEConfig = {}): VAE {
  const where = 'buildLstmVAE';
  const merged = mergeDefaults(where, LSTM_VAE_DEFAULTS, config);
  const c = resolveCommon(where, merged);
  if (c.inputShape.length < 2) {
    throw new ConfigError(
      `${where}: inputShape must be [steps, features] or [height, width, channels] (read row by row), got ${showShape(c.inputShape)}. Reshape flat data to e.g. [28, 28].`,
      { field: 'inputShape', expected: 'rank 2 or more', got: c.inputShape },
    );
  }
  const units = checkInteger(where, 'units', merged.units, 1, '{ units: 256 }');
  const lstmActivation = checkChoice(where, 'lstmActivation', merged.lstmActivation, RECURRENT);
  const recurrentActivation = checkChoice(where, 'recurrentActivation', merged.recurrentActivation, RECURRENT);
  const decoderUnits = checkIntegerList(where, 'decoderUnits', merged.decoderUnits, 1, '{ decoderUnits: [256] }');
  const activation = checkActivation(where, 'activation', merged.activation);
  const alpha = checkNumber(where, 'leakyReluAlpha', merged.leakyReluAlpha, 0, 1, '{ leakyReluAlpha: 0.2 }');
  const dropout = checkNumber(where, 'dropout', merged.dropout, 0, 0.99, '{ dropout: 0.1 }');
  const init = new Initializers(c.seed);
  const paramShape = c.likelihood.paramShape(c.inputShape);

  const [steps, ...rest] = c.inputShape;
  const features = rest.reduce((a, b) => a * b, 1);
  const x = tfl.input({ shape: c.inputShape, name: 'x' });
  const sequence = c.inputShape.length === 2 ? x : apply(tfl.layers.reshape({ targetShape: [steps, features] }), x);
  const h = apply(
    tfl.layers.lstm({
      units,
      activation: lstmActivation,
      recurrentActivation,
      dropout,
      kernelInitializer: init.kernel(),
      recurrentInitializer: init.recurrent(),
    }),
    sequence,
  );
  const [mean, logVar] = gaussianHeads(h, c.latentDim, init);
  const encoder = tfl.model({ inputs: x, outputs: [mean, logVar], name: 'encoder' });

  const z = tfl.input({ shape: [c.latentDim], name: 'z' });
  let t = z;
  for (const u of decoderUnits) t = dense(t, u, activation, alpha, init);
  const decoder = tfl.model({ inputs: z, outputs: paramHead(t, paramShape, init), name: 'decoder' });
  return buildVAE({
    encoder,
    decoder,
    latentDim: c.latentDim,
    inputShape: c.inputShape,
    likelihood: c.likelihood,
    beta: c.beta,
    freeBits: c.freeBits,
    builder: where,
    architecture: {
      inputShape: c.inputShape,
      latentDim: c.latentDim,
      units,
      lstmActivation,
      recurrentActivation,
      decoderUnits,
      activation,
      leakyReluAlpha: alpha,
      dropout,
      seed: c.seed,
    },
  });
}
