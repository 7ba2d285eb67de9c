import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors/index.js';
import {
  checkChoice,
  checkInteger,
  checkIntegerList,
  checkNumber,
  type JsonObject,
  mergeDefaults,
  showShape,
} from '../internal/index.js';
import type { VAE } from '../models/vae.js';
import { buildVAE } from './build-vae.js';
import { type CommonBuilderConfig, type ResolvedCommon, resolveCommon } from './common.js';
import {
  type Activation,
  afterActivation,
  apply,
  checkActivation,
  dense,
  gaussianHeads,
  Initializers,
  layerActivation,
  type Sym,
} from './layer-helpers.js';

/**
 * How the conv decoder grows the picture back: transposed convolutions, or nearest-neighbour
 * upsampling followed by a convolution (no checkerboard artefacts; its convolutions run at full
 * resolution, so it trains about 3× slower). On the `cpu` backend, activate it with
 * `useBackend('cpu')` from `@vae/backends`: tfjs-backend-cpu 4.22 computes the upsampling
 * gradient wrongly for every image of a batch after the first, and `useBackend` installs a
 * corrected kernel.
 *
 * @category Models
 */
export type ConvDecoderKind = 'transpose' | 'upsample';

/**
 * Configuration of {@link buildConvVAE}.
 *
 * @category Models
 */
export interface ConvVAEConfig extends CommonBuilderConfig {
  /** Image shape `[height, width, channels]`. @defaultValue [28, 28, 1] */
  inputShape?: number[];
  /** Size of the latent space. @defaultValue 2 */
  latentDim?: number;
  /** Filters of the encoder's conv layers, in order. @defaultValue [32, 64] */
  filters?: number[];
  /** Kernel size, one for all layers or one per layer. @defaultValue 3 */
  kernelSize?: number | number[];
  /** Strides, one for all layers or one per layer; height and width must divide by their product. @defaultValue 2 */
  strides?: number | number[];
  /** Activation of the hidden layers (`'leakyRelu'` adds LeakyReLU layers). @defaultValue `'relu'` */
  activation?: Activation;
  /** Slope below zero when `activation` is `'leakyRelu'`. @defaultValue 0.2 */
  leakyReluAlpha?: number;
  /** Dropout rate after each hidden layer of the encoder (0 = none). @defaultValue 0 */
  dropout?: number;
  /** Width of the Dense layer between the convs and the heads (0 = heads on the flattened convs). @defaultValue 16 */
  denseUnits?: number;
  /** Transposed convolutions or upsampling + convolution. @defaultValue `'transpose'` */
  decoderKind?: ConvDecoderKind;
  /** Filters of the decoder's conv layers; `null` mirrors `filters`. @defaultValue null */
  decoderFilters?: number[] | null;
}

/**
 * Defaults of {@link buildConvVAE}: the classic Keras MNIST conv VAE (Conv 32 and 64, kernel 3,
 * stride 2, same padding, relu; Dense 16; latent 2; decoder Dense 7*7*64 -> Conv2DTranspose 64,
 * 32 -> Conv2DTranspose 1), 69,076 + 65,089 = 134,165 parameters.
 *
 * @category Models
 */
export const CONV_VAE_DEFAULTS: Readonly<Required<ConvVAEConfig>> = Object.freeze({
  inputShape: [28, 28, 1],
  latentDim: 2,
  filters: [32, 64],
  kernelSize: 3,
  strides: 2,
  activation: 'relu',
  leakyReluAlpha: 0.2,
  dropout: 0,
  denseUnits: 16,
  decoderKind: 'transpose',
  decoderFilters: null,
  likelihood: 'bernoulli',
  beta: 1,
  freeBits: 0,
  seed: null,
});

/** Conv fields after validation. */
export interface ResolvedConv {
  filters: number[];
  kernelSizes: number[];
  strides: number[];
  activation: Activation;
  leakyReluAlpha: number;
  dropout: number;
  denseUnits: number;
  decoderKind: ConvDecoderKind;
  decoderFilters: number[];
  /** Height, width and channels the decoder starts from. */
  startShape: [number, number, number];
}

function perLayer(where: string, field: string, value: number | number[], layers: number, example: string): number[] {
  const list = checkIntegerList(where, field, value, 1, example);
  if (Array.isArray(value) && list.length !== layers) {
    throw new ConfigError(
      `${where}: ${field} has ${list.length} entries but there are ${layers} conv layers. Give one value for all, or ${layers} values.`,
      { field, expected: `a number or ${layers} numbers`, got: value },
    );
  }
  return Array.isArray(value) ? list : new Array(layers).fill(list[0]);
}

/** Validates the conv fields against the image shape. */
export function resolveConv(where: string, c: Required<ConvVAEConfig>, inputShape: number[]): ResolvedConv {
  if (inputShape.length !== 3) {
    throw new ConfigError(
      `${where}: inputShape must be [height, width, channels] for a conv VAE, got ${showShape(inputShape)}. For grey images use e.g. [28, 28, 1].`,
      { field: 'inputShape', expected: '[height, width, channels]', got: inputShape },
    );
  }
  const filters = checkIntegerList(where, 'filters', c.filters, 1, '{ filters: [32, 64] }');
  const n = filters.length;
  const kernelSizes = perLayer(where, 'kernelSize', c.kernelSize, n, '{ kernelSize: 3 }');
  const strides = perLayer(where, 'strides', c.strides, n, '{ strides: 2 }');
  const decoderFilters =
    c.decoderFilters === null
      ? [...filters].reverse()
      : checkIntegerList(where, 'decoderFilters', c.decoderFilters, 1, '{ decoderFilters: [64, 32] }');
  if (decoderFilters.length !== n) {
    throw new ConfigError(
      `${where}: decoderFilters needs ${n} entries (one per encoder conv layer, mirrored), got ${decoderFilters.length}.`,
      { field: 'decoderFilters', expected: `${n} positive integers`, got: c.decoderFilters },
    );
  }
  const factor = strides.reduce((a, b) => a * b, 1);
  const [height, width] = inputShape;
  if (height % factor !== 0 || width % factor !== 0) {
    throw new ConfigError(
      `${where}: height and width (${height}x${width}) must divide by the product of the strides (${factor}) so the decoder rebuilds the same size. Resize the images, or change strides/filters (e.g. strides: 1 for some layers).`,
      { field: 'strides', expected: `strides whose product divides ${height} and ${width}`, got: c.strides },
    );
  }
  return {
    filters,
    kernelSizes,
    strides,
    activation: checkActivation(where, 'activation', c.activation),
    leakyReluAlpha: checkNumber(where, 'leakyReluAlpha', c.leakyReluAlpha, 0, 1, '{ leakyReluAlpha: 0.2 }'),
    dropout: checkNumber(where, 'dropout', c.dropout, 0, 0.99, '{ dropout: 0.1 }'),
    denseUnits: checkInteger(where, 'denseUnits', c.denseUnits, 0, '{ denseUnits: 16 }'),
    decoderKind: checkChoice(where, 'decoderKind', c.decoderKind, ['transpose', 'upsample']),
    decoderFilters,
    startShape: [height / factor, width / factor, filters[n - 1]],
  };
}

/** Encoder body: conv layers, flatten (label concatenated here when given), optional Dense. */
export function convEncoderFeatures(x: Sym, label: Sym | undefined, k: ResolvedConv, init: Initializers): Sym {
  let h = x;
  k.filters.forEach((filters, i) => {
    h = apply(
      tfl.layers.conv2d({
        filters,
        kernelSize: k.kernelSizes[i],
        strides: k.strides[i],
        padding: 'same',
        activation: layerActivation(k.activation),
        kernelInitializer: init.kernel(),
      }),
      h,
    );
    h = afterActivation(h, k.activation, k.leakyReluAlpha);
    if (k.dropout > 0) h = apply(tfl.layers.dropout({ rate: k.dropout }), h);
  });
  h = apply(tfl.layers.flatten(), h);
  if (label) h = apply(tfl.layers.concatenate(), [h, label]);
  if (k.denseUnits > 0) h = dense(h, k.denseUnits, k.activation, k.leakyReluAlpha, init, k.dropout);
  return h;
}

/** Decoder body: Dense to the start grid, then transposed convs (or upsample + conv), then a linear conv to the parameter channels. */
export function convDecoderParams(h: Sym, paramChannels: number, k: ResolvedConv, init: Initializers): Sym {
  const [sh, sw, sc] = k.startShape;
  let t = dense(h, sh * sw * sc, k.activation, k.leakyReluAlpha, init);
  t = apply(tfl.layers.reshape({ targetShape: [sh, sw, sc] }), t);
  const n = k.filters.length;
  for (let i = 0; i < n; i++) {
    const filters = k.decoderFilters[i];
    const kernelSize = k.kernelSizes[n - 1 - i];
    const stride = k.strides[n - 1 - i];
    const activation = layerActivation(k.activation);
    if (k.decoderKind === 'transpose') {
      t = apply(
        tfl.layers.conv2dTranspose({
          filters,
          kernelSize,
          strides: stride,
          padding: 'same',
          activation,
          kernelInitializer: init.kernel(),
        }),
        t,
      );
    } else {
      if (stride > 1) t = apply(tfl.layers.upSampling2d({ size: [stride, stride] }), t);
      t = apply(
        tfl.layers.conv2d({ filters, kernelSize, padding: 'same', activation, kernelInitializer: init.kernel() }),
        t,
      );
    }
    t = afterActivation(t, k.activation, k.leakyReluAlpha);
  }
  const last = {
    filters: paramChannels,
    kernelSize: k.kernelSizes[0],
    padding: 'same' as const,
    kernelInitializer: init.kernel(),
    name: 'params',
  };
  return apply(k.decoderKind === 'transpose' ? tfl.layers.conv2dTranspose(last) : tfl.layers.conv2d(last), t);
}

/** The JSON architecture record of a conv VAE. */
export function convArchitecture(c: ResolvedCommon, k: ResolvedConv): JsonObject {
  const { startShape, ...rest } = k;
  return { ...rest, startShape: [...startShape], inputShape: c.inputShape, latentDim: c.latentDim, seed: c.seed };
}

/**
 * Builds a convolutional VAE for images `[height, width, channels]`: conv layers (stride 2 by
 * default) -> flatten -> Dense -> `[mean, logVar]`; the decoder mirrors it with transposed
 * convolutions or upsampling + convolution and ends in a linear conv emitting the likelihood's
 * parameters (logits for Bernoulli). The defaults reproduce the classic Keras MNIST conv VAE
 * (134,165 parameters); the same code serves 128x128x3 images.
 *
 * @param config - See {@link ConvVAEConfig}; defaults in {@link CONV_VAE_DEFAULTS}.
 * @returns A new VAE (the caller disposes it).
 * @throws {@link ConfigError} for invalid or unknown fields, or an image size the strides do not divide.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildConvVAE } from '@vae/core';
 * const mnist = buildConvVAE(); // Keras example, latent 2
 * const faces = buildConvVAE({
 *   inputShape: [128, 128, 3],
 *   filters: [32, 64, 128, 256],
 *   activation: 'leakyRelu',
 *   denseUnits: 256,
 *   latentDim: 64,
 *   decoderKind: 'upsample',
 *   likelihood: 'gaussian',
 * });
 * ```
 * @category Models
 */
export function buildConvVAE(config: ConvVAEConfig = {}): VAE {
  const where = 'buildConvVAE';
  const merged = mergeDefaults(where, CONV_VAE_DEFAULTS, config);
  const c = resolveCommon(where, merged);
  const k = resolveConv(where, merged, c.inputShape);
  const init = new Initializers(c.seed);
  const paramShape = c.likelihood.paramShape(c.inputShape);
  const x = tfl.input({ shape: c.inputShape, name: 'x' });
  const [mean, logVar] = gaussianHeads(convEncoderFeatures(x, undefined, k, init), c.latentDim, init);
  const encoder = tfl.model({ inputs: x, outputs: [mean, logVar], name: 'encoder' });
  const z = tfl.input({ shape: [c.latentDim], name: 'z' });
  const decoder = tfl.model({ inputs: z, outputs: convDecoderParams(z, paramShape[2], k, init), name: 'decoder' });
  return buildVAE({
    encoder,
    decoder,
    latentDim: c.latentDim,
    inputShape: c.inputShape,
    likelihood: c.likelihood,
    beta: c.beta,
    freeBits: c.freeBits,
    builder: where,
    architecture: convArchitecture(c, k),
  });
}
