import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, EncoderContractError } from '../errors/index.js';
import { checkInteger, checkNumber, checkShape, type JsonObject, show, showShape } from '../internal/index.js';
import { type Likelihood, type LikelihoodSpec, resolveLikelihood } from '../losses/index.js';
import { type DecoderFunction, type EncoderFunction, isLayersModel } from '../models/networks.js';
import { VAE } from '../models/vae.js';
import { apply, flatten, gaussianHeads, Initializers, paramHead, type Sym } from './layer-helpers.js';

/**
 * An encoder as {@link buildVAE} accepts it:
 * - a `tf.LayersModel` with two outputs `[mean, logVar]`, each `[batch, latentDim]`;
 * - a feature network (a `tf.LayersModel` with one output, a tfjs layer such as an LSTM, or a
 *   list of layers applied in order) to which `buildVAE` attaches the two Dense heads;
 * - an {@link EncoderFunction}.
 *
 * Conditional models: a two-input model takes `[x, label]`; a one-input feature network sees
 * `x` alone and the one-hot label is concatenated to its (flattened) features.
 *
 * @category Models
 */
export type EncoderSpec = tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[] | EncoderFunction;

/**
 * A decoder as {@link buildVAE} accepts it:
 * - a `tf.LayersModel` from `z` `[batch, latentDim]` to the likelihood's parameters
 *   `[batch, ...paramShape]` (logits for Bernoulli: no sigmoid);
 * - a feature network (a model with a flat output of another size, a layer, or a list of
 *   layers) to which `buildVAE` attaches a Dense layer and a Reshape to the parameter shape;
 * - a {@link DecoderFunction}.
 *
 * Conditional models: a two-input model takes `[z, label]`; otherwise `z` and the one-hot label
 * are concatenated before the network.
 *
 * @category Models
 */
export type DecoderSpec = tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[] | DecoderFunction;

/**
 * Options of {@link buildVAE}.
 *
 * @category Models
 */
export interface BuildVAEOptions {
  /** The encoder; see {@link EncoderSpec}. */
  encoder: EncoderSpec;
  /** The decoder; see {@link DecoderSpec}. */
  decoder: DecoderSpec;
  /**
   * Size of the latent space. Required when heads are attached to a feature network; read from
   * a two-output encoder (or a function encoder's output) otherwise.
   *
   * @defaultValue inferred from the encoder
   */
  latentDim?: number;
  /**
   * Data shape without the batch axis. Required for layers and functions; read from the input
   * of a model encoder otherwise.
   *
   * @defaultValue inferred from the encoder
   */
  inputShape?: number[];
  /** The likelihood `p(x | z)`. @defaultValue `'bernoulli'` */
  likelihood?: LikelihoodSpec;
  /** Weight of the KL term (beta-VAE). @defaultValue 1 */
  beta?: number;
  /** Free-bits floor per latent dimension, in nats (0 disables). @defaultValue 0 */
  freeBits?: number;
  /** Number of classes of a conditional model (0 for unconditional). @defaultValue 0 */
  numClasses?: number;
  /** Variables of function networks, trained beside the models' weights. @defaultValue [] */
  variables?: tf.Variable[];
  /** Seed of the attached heads' initial weights. @defaultValue undefined (unseeded) */
  seed?: number;
  /** Name of the builder recorded in the config (set by the other builders). @defaultValue `'buildVAE'` */
  builder?: string;
  /** Architecture recorded in the config (set by the other builders). @defaultValue a description of the networks */
  architecture?: JsonObject;
}

const WHERE = 'buildVAE';

function contract(network: 'encoder' | 'decoder', message: string): never {
  throw new EncoderContractError(`${WHERE}: ${message}`, { network });
}

function modelShape(
  shape: ReadonlyArray<number | null> | ReadonlyArray<ReadonlyArray<number | null>>,
): Array<number | null> {
  return [...(shape as Array<number | null>)];
}

function sameShape(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isLayer(value: unknown): value is tfl.layers.Layer {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isLayersModel(value) &&
    typeof (value as tfl.layers.Layer).apply === 'function' &&
    typeof (value as tfl.layers.Layer).getConfig === 'function'
  );
}

function kindOf(spec: unknown): string {
  if (isLayersModel(spec)) return 'layers-model';
  if (typeof spec === 'function') return 'function';
  return 'layers';
}

function inferInputShape(encoder: EncoderSpec): number[] | undefined {
  if (!isLayersModel(encoder)) return undefined;
  const shape = modelShape(encoder.inputs[0].shape).slice(1);
  return shape.every((d) => typeof d === 'number' && d > 0) ? (shape as number[]) : undefined;
}

function checkModelInputs(
  network: 'encoder' | 'decoder',
  model: tfl.LayersModel,
  first: readonly number[],
  numClasses: number,
): void {
  const firstName = network === 'encoder' ? 'x' : 'z';
  const expectedCount = numClasses > 0 ? [1, 2] : [1];
  if (!expectedCount.includes(model.inputs.length)) {
    contract(
      network,
      `the ${network} model has ${model.inputs.length} inputs; expected ${numClasses > 0 ? `[${firstName}, label] (2) or ${firstName} alone (1)` : `one (${firstName})`}. ${numClasses > 0 ? '' : 'For a conditional model pass numClasses. '}Build the ${network} with ${numClasses > 0 ? `inputs [${firstName}, label]` : 'a single input'}.`,
    );
  }
  const got = modelShape(model.inputs[0].shape);
  const expected = [null, ...first];
  if (!sameShape(got, expected)) {
    contract(
      network,
      network === 'encoder'
        ? `the encoder's input has shape ${showShape(got)} but the data shape is ${showShape(expected)}. Give the encoder tf.input({ shape: [${first.join(', ')}] }) or pass the matching inputShape.`
        : `the decoder's input has shape ${showShape(got)} but z is ${showShape(expected)} (latentDim ${first[0]}). Give the decoder tf.input({ shape: [${first[0]}] }) or pass latentDim: ${String(got[1])}.`,
    );
  }
  if (model.inputs.length === 2) {
    const labelShape = modelShape(model.inputs[1].shape);
    if (!sameShape(labelShape, [null, numClasses])) {
      contract(
        network,
        `the ${network}'s second input (the label) has shape ${showShape(labelShape)}; expected one-hot ${showShape([null, numClasses])}. Use tf.input({ shape: [${numClasses}] }).`,
      );
    }
  }
}

/** Encoder as a two-output LayersModel (heads attached when needed). */
function resolveEncoderModel(
  spec: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[],
  inputShape: number[],
  latentDim: number | undefined,
  numClasses: number,
  init: Initializers,
): { model: tfl.LayersModel; latentDim: number; attached: boolean } {
  let inputs: Sym[];
  let features: Sym;
  if (isLayersModel(spec)) {
    checkModelInputs('encoder', spec, inputShape, numClasses);
    if (spec.outputs.length === 2) {
      const [m, v] = spec.outputs.map((o) => modelShape(o.shape));
      const dim = m[1];
      if (m.length !== 2 || v.length !== 2 || typeof dim !== 'number' || !sameShape(m, v)) {
        contract(
          'encoder',
          `the encoder's outputs must be [mean, logVar], each [batch, latentDim]; got ${showShape(m)} and ${showShape(v)}. Flatten before two Dense(latentDim) heads.`,
        );
      }
      if (latentDim !== undefined && dim !== latentDim) {
        contract(
          'encoder',
          `the encoder's outputs have latent size ${dim} but latentDim is ${latentDim}. Make both heads Dense(${latentDim}) or pass latentDim: ${dim}.`,
        );
      }
      if (numClasses > 0 && spec.inputs.length !== 2) {
        contract(
          'encoder',
          `a conditional two-output encoder must take [x, label]; this one takes x only. Add a label input of shape [${numClasses}].`,
        );
      }
      return { model: spec, latentDim: dim, attached: false };
    }
    if (spec.outputs.length !== 1) {
      contract(
        'encoder',
        `the encoder model has ${spec.outputs.length} outputs; expected 2 ([mean, logVar]) or 1 (features, to which buildVAE attaches the heads).`,
      );
    }
    inputs = [...spec.inputs];
    features = spec.outputs[0];
  } else {
    const x = tfl.input({ shape: inputShape, name: 'x' });
    inputs = [x];
    const layers = Array.isArray(spec) ? spec : [spec];
    if (layers.length === 0 || !layers.every(isLayer)) {
      contract('encoder', 'the encoder list must hold at least one tfjs layer, e.g. [tf.layers.lstm({ units: 64 })].');
    }
    features = layers.reduce<Sym>((t, layer) => apply(layer, t), x);
  }
  if (latentDim === undefined) {
    throw new ConfigError(
      `${WHERE}: latentDim is required when the encoder is a feature network (buildVAE attaches Dense(latentDim) heads). Pass e.g. { latentDim: 16 }.`,
      { field: 'latentDim', expected: 'a positive integer', got: undefined },
    );
  }
  let h = flatten(features);
  if (numClasses > 0 && inputs.length === 1) {
    const label = tfl.input({ shape: [numClasses], name: 'label' });
    inputs = [...inputs, label];
    h = apply(tfl.layers.concatenate(), [h, label]);
  }
  const [mean, logVar] = gaussianHeads(h, latentDim, init);
  return { model: tfl.model({ inputs, outputs: [mean, logVar], name: 'encoder' }), latentDim, attached: true };
}

function lastActivation(model: tfl.LayersModel): string | undefined {
  const layer = model.layers[model.layers.length - 1];
  const config = layer?.getConfig() as { activation?: unknown } | undefined;
  return typeof config?.activation === 'string' ? config.activation : undefined;
}

/** Decoder as a LayersModel emitting the parameter shape (a head attached when needed). */
function resolveDecoderModel(
  spec: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[],
  latentDim: number,
  paramShape: number[],
  likelihood: Likelihood,
  numClasses: number,
  init: Initializers,
): { model: tfl.LayersModel; attached: boolean } {
  let inputs: Sym[];
  let out: Sym;
  if (isLayersModel(spec)) {
    checkModelInputs('decoder', spec, [latentDim], numClasses);
    if (spec.outputs.length !== 1) {
      contract(
        'decoder',
        `the decoder has ${spec.outputs.length} outputs; expected 1 (the likelihood's parameters ${showShape([null, ...paramShape])}).`,
      );
    }
    inputs = [...spec.inputs];
    out = spec.outputs[0];
    const shape = modelShape(out.shape);
    if (sameShape(shape, [null, ...paramShape]) && (numClasses === 0 || spec.inputs.length === 2)) {
      if (likelihood.kind === 'bernoulli' && lastActivation(spec) === 'sigmoid') {
        contract(
          'decoder',
          'the decoder ends in a sigmoid, but the Bernoulli likelihood expects logits (it applies the sigmoid itself, stably). Remove the final activation; vae.decode() still returns probabilities.',
        );
      }
      return { model: spec, attached: false };
    }
    if (shape.length !== 2) {
      contract(
        'decoder',
        `the decoder's output has shape ${showShape(shape)} but the ${likelihood.kind} likelihood needs ${showShape([null, ...paramShape])}${paramShape.length > 0 && likelihood.paramShape([1])[0] === 2 ? ' (mean and log-variance channels side by side)' : ''}. Make the last layer emit ${paramShape[paramShape.length - 1]} channels, or end the decoder in a flat feature vector and buildVAE attaches Dense + Reshape.`,
      );
    }
  } else {
    const z = tfl.input({ shape: [latentDim], name: 'z' });
    inputs = [z];
    let h: Sym = z;
    if (numClasses > 0) {
      const label = tfl.input({ shape: [numClasses], name: 'label' });
      inputs.push(label);
      h = apply(tfl.layers.concatenate(), [z, label]);
    }
    const layers = Array.isArray(spec) ? spec : [spec];
    if (layers.length === 0 || !layers.every(isLayer)) {
      contract(
        'decoder',
        'the decoder list must hold at least one tfjs layer, e.g. [tf.layers.dense({ units: 256, activation: "relu" })].',
      );
    }
    out = layers.reduce<Sym>((t, layer) => apply(layer, t), h);
    if (sameShape(modelShape(out.shape), [null, ...paramShape])) {
      return { model: tfl.model({ inputs, outputs: out, name: 'decoder' }), attached: false };
    }
  }
  if (numClasses > 0 && inputs.length === 1) {
    // A one-input decoder network in a conditional model: feed it concat(z, label) instead.
    contract(
      'decoder',
      `a conditional decoder model must take [z, label] (label one-hot [${numClasses}]); this one takes z only. Add a label input, or pass a list of layers and buildVAE concatenates z and the label.`,
    );
  }
  const params = paramHead(flatten(out), paramShape, init);
  return { model: tfl.model({ inputs, outputs: params, name: 'decoder' }), attached: true };
}

function probeFunction(
  network: 'encoder' | 'decoder',
  fn: EncoderFunction | DecoderFunction,
  inputShape: number[],
  numClasses: number,
): number[][] {
  return tf.tidy(() => {
    const input = tf.zeros([2, ...inputShape]);
    const labels =
      numClasses > 0
        ? (tf.cast(tf.oneHot(tf.tensor1d([0, 0], 'int32'), numClasses), 'float32') as tf.Tensor2D)
        : undefined;
    let out: unknown;
    try {
      out = (fn as (t: tf.Tensor, c: { training: boolean; labels?: tf.Tensor2D }) => unknown)(input, {
        training: false,
        labels,
      });
    } catch (cause) {
      throw new EncoderContractError(
        `${WHERE}: calling the ${network} function on a probe batch ${showShape([2, ...inputShape])} threw: ${cause instanceof Error ? cause.message : String(cause)}. Check that it accepts [batch, ${inputShape.join(', ')}].`,
        { network, cause },
      );
    }
    const list = Array.isArray(out)
      ? out
      : out && typeof out === 'object' && 'mean' in out
        ? [(out as unknown as { mean: tf.Tensor }).mean, (out as unknown as { logVar: tf.Tensor }).logVar]
        : [out];
    return list.map((t) => (t instanceof tf.Tensor ? [...t.shape] : []));
  });
}

/**
 * Builds a VAE from your own encoder and decoder, checking their contracts at once.
 *
 * The encoder maps `x` `[batch, ...inputShape]` to `[mean, logVar]`, each `[batch, latentDim]`;
 * give it as a two-output model, as a feature network (buildVAE attaches Dense heads), or as a
 * function (see {@link EncoderSpec}). The decoder maps `z` `[batch, latentDim]` to the
 * likelihood's parameters `[batch, ...paramShape]` (see {@link DecoderSpec}).
 *
 * @param options - Networks, shapes, likelihood and loss weights; see {@link BuildVAEOptions}.
 * @returns The VAE; it owns the networks (its `dispose()` disposes them).
 * @throws {@link EncoderContractError} for a wrong output count, latent size or data shape, a
 *   decoder ending in a sigmoid under a Bernoulli likelihood, or a function that fails on a probe batch.
 * @throws {@link ConfigError} for missing or invalid options.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { buildVAE } from '@vae/core';
 *
 * // An LSTM over the 28 rows of an image as the encoder's feature network; heads are attached.
 * // (tfjs-layers' default orthogonal recurrent initializer needs tfjs-core's chained ops, which
 * // only the `@tensorflow/tfjs` bundle registers: pick another initializer with tfjs-core alone.)
 * const vae = buildVAE({
 *   inputShape: [28, 28],
 *   latentDim: 8,
 *   encoder: [tfl.layers.lstm({ units: 64, recurrentInitializer: 'glorotUniform' })],
 *   decoder: [tfl.layers.dense({ units: 256, activation: 'relu' })],
 * });
 * ```
 * @category Models
 */
export function buildVAE(options: BuildVAEOptions): VAE {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${WHERE}: pass an options object, e.g. buildVAE({ encoder, decoder, latentDim: 16 }).`, {
      field: 'options',
      expected: 'an object',
      got: options,
    });
  }
  const { encoder, decoder } = options;
  for (const [name, spec] of [
    ['encoder', encoder],
    ['decoder', decoder],
  ] as const) {
    if (!(isLayersModel(spec) || typeof spec === 'function' || isLayer(spec) || Array.isArray(spec))) {
      throw new ConfigError(
        `${WHERE}: ${name} must be a tf.LayersModel, a tfjs layer or list of layers, or a function, got ${show(spec)}.`,
        { field: name, expected: 'a LayersModel, layer(s) or function', got: spec },
      );
    }
  }
  const numClasses = checkInteger(WHERE, 'numClasses', options.numClasses ?? 0, 0, '{ numClasses: 10 }');
  const beta = checkNumber(WHERE, 'beta', options.beta ?? 1, 0, Number.POSITIVE_INFINITY, '{ beta: 4 }');
  const freeBits = checkNumber(
    WHERE,
    'freeBits',
    options.freeBits ?? 0,
    0,
    Number.POSITIVE_INFINITY,
    '{ freeBits: 0.5 }',
  );
  let latentDim =
    options.latentDim === undefined
      ? undefined
      : checkInteger(WHERE, 'latentDim', options.latentDim, 1, '{ latentDim: 16 }');
  const inferred = inferInputShape(encoder);
  const inputShape =
    options.inputShape !== undefined
      ? checkShape(WHERE, 'inputShape', options.inputShape, '{ inputShape: [28, 28, 1] }')
      : (inferred ??
        (() => {
          throw new ConfigError(
            `${WHERE}: inputShape is required when the encoder is a layer list or a function (it cannot be read from a model input). Pass e.g. { inputShape: [28, 28, 1] }.`,
            { field: 'inputShape', expected: 'the data shape without the batch axis', got: undefined },
          );
        })());
  const likelihood = resolveLikelihood(options.likelihood ?? 'bernoulli', WHERE);
  const paramShape = likelihood.paramShape(inputShape);
  const init = new Initializers(options.seed ?? null);

  let encoderNet: tfl.LayersModel | EncoderFunction;
  let encoderAttached = false;
  if (typeof encoder === 'function' && !isLayersModel(encoder)) {
    const shapes = probeFunction('encoder', encoder, inputShape, numClasses);
    const [m, v] = shapes;
    if (shapes.length !== 2 || m.length !== 2 || !sameShape(m, v) || m[0] !== 2) {
      contract(
        'encoder',
        `the encoder function must return [mean, logVar] (or { mean, logVar }), each [batch, latentDim]; on a batch of 2 it returned shapes ${shapes.map((s) => showShape(s)).join(', ') || 'nothing'}.`,
      );
    }
    if (latentDim !== undefined && m[1] !== latentDim) {
      contract(
        'encoder',
        `the encoder function returns latent size ${m[1]} but latentDim is ${latentDim}. Pass latentDim: ${m[1]} or fix the function.`,
      );
    }
    latentDim = m[1];
    encoderNet = encoder as EncoderFunction;
  } else {
    const resolved = resolveEncoderModel(encoder as tfl.LayersModel, inputShape, latentDim, numClasses, init);
    latentDim = resolved.latentDim;
    encoderNet = resolved.model;
    encoderAttached = resolved.attached;
  }

  let decoderNet: tfl.LayersModel | DecoderFunction;
  let decoderAttached = false;
  if (typeof decoder === 'function' && !isLayersModel(decoder)) {
    const [shape] = probeFunction('decoder', decoder, [latentDim], numClasses);
    if (!shape || !sameShape(shape, [2, ...paramShape])) {
      contract(
        'decoder',
        `the decoder function must return the ${likelihood.kind} likelihood's parameters ${showShape([null, ...paramShape])}; on z of shape [2, ${latentDim}] it returned ${shape ? showShape(shape) : 'no tensor'}.`,
      );
    }
    decoderNet = decoder as DecoderFunction;
  } else {
    const resolved = resolveDecoderModel(
      decoder as tfl.LayersModel,
      latentDim,
      paramShape,
      likelihood,
      numClasses,
      init,
    );
    decoderNet = resolved.model;
    decoderAttached = resolved.attached;
  }

  const architecture: JsonObject = options.architecture ?? {
    encoder: kindOf(encoder),
    decoder: kindOf(decoder),
    encoderHeadsAttached: encoderAttached,
    decoderHeadAttached: decoderAttached,
  };
  return new VAE({
    encoder: encoderNet,
    decoder: decoderNet,
    likelihood,
    variables: options.variables,
    config: {
      builder: options.builder ?? 'buildVAE',
      latentDim,
      inputShape,
      numClasses,
      beta,
      freeBits,
      likelihood: likelihood.toConfig(),
      architecture,
    },
  });
}
