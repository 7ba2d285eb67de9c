import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, EncoderContractError } from '../errors/index.js';
import {
  checkChoice,
  checkInteger,
  checkNumber,
  checkShape,
  type JsonObject,
  show,
  showShape,
} from '../internal/index.js';
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
 * - a tfjs layer or a list of layers applied in order to `z`, ending in the parameter shape;
 * - a {@link DecoderFunction}.
 *
 * The output must have the parameter shape exactly. A model or list that ends in features
 * instead (a hidden layer) gets a Dense layer and a Reshape to the parameter shape only when
 * you ask for it with `{ decoderHead: 'adapter' }` (see {@link BuildVAEOptions.decoderHead}).
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
  /**
   * Variables of function networks, trained beside the models' weights. Every trainable
   * `tf.Variable` a function encoder or decoder reads must be here or in `frozen`: `buildVAE`
   * traces one call of each function and throws an {@link EncoderContractError} naming any
   * variable that training would otherwise leave untouched. The VAE owns these variables and
   * disposes them with itself.
   *
   * @defaultValue []
   */
  variables?: tf.Variable[];
  /**
   * Variables that function networks read but that training must leave as they are (a
   * pretrained embedding, a fixed projection). A variable made with `tf.variable(value, false)`
   * is frozen already and need not be listed. The VAE neither trains nor disposes these.
   *
   * @defaultValue []
   */
  frozen?: tf.Variable[];
  /**
   * What to do when the decoder's output does not have the likelihood's parameter shape
   * `[batch, ...paramShape]`:
   * - `'none'`: throw an {@link EncoderContractError} that names both shapes and the fix;
   * - `'adapter'`: treat the decoder as a feature network and append a Dense layer of
   *   `prod(paramShape)` units and a Reshape to the parameter shape (after a Flatten for
   *   outputs of higher rank). The head's weights are new and learned from scratch.
   *
   * A decoder that already emits the parameter shape gets no head either way. Function
   * decoders take `'none'` only: end the function in the parameter shape.
   *
   * @defaultValue `'none'`
   */
  decoderHead?: DecoderHead;
  /** Seed of the attached heads' initial weights. @defaultValue undefined (unseeded) */
  seed?: number;
  /** Name of the builder recorded in the config (set by the other builders). @defaultValue `'buildVAE'` */
  builder?: string;
  /** Architecture recorded in the config (set by the other builders). @defaultValue a description of the networks */
  architecture?: JsonObject;
}

/**
 * How {@link buildVAE} treats a decoder whose output is not the likelihood's parameter shape:
 * `'none'` (throw) or `'adapter'` (append Dense + Reshape). See {@link BuildVAEOptions.decoderHead}.
 *
 * @category Models
 */
export type DecoderHead = 'none' | 'adapter';

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

/** Layers that move or copy values without changing them: an activation before them is still the output's. */
const VALUE_PRESERVING = new Set([
  'Reshape',
  'Flatten',
  'Permute',
  'Dropout',
  'SpatialDropout1D',
  'Cropping2D',
  'RepeatVector',
  'UpSampling2D',
]);

/** Activations whose output is a probability, which a Bernoulli likelihood over logits must not see. */
const PROBABILITY_ACTIVATIONS = new Set(['sigmoid', 'hardSigmoid', 'softmax']);

/**
 * The activation that produces `out`, looking through value-preserving layers (a sigmoid
 * followed by a Reshape still ends the decoder in a sigmoid) and into nested models.
 */
function finalActivation(out: Sym): { activation: string; layer: string; after: string[] } | undefined {
  let t: Sym | undefined = out;
  const after: string[] = [];
  // The walk is bounded by the graph's depth; the cap guards against a malformed graph.
  for (let steps = 0; t && steps < 1000; steps++) {
    const layer = t.sourceLayer as tfl.layers.Layer | undefined;
    if (!layer) return undefined;
    if (isLayersModel(layer)) {
      t = layer.outputs[t.outputTensorIndex ?? 0];
      continue;
    }
    const activation = (layer.getConfig() as { activation?: unknown }).activation;
    if (typeof activation === 'string' && activation !== 'linear') {
      return { activation, layer: layer.name, after };
    }
    const className = layer.getClassName();
    if (!VALUE_PRESERVING.has(className) && className !== 'Activation') return undefined;
    if (t.inputs.length !== 1) return undefined;
    after.push(className);
    t = t.inputs[0];
  }
  return undefined;
}

function checkFinalActivation(out: Sym, likelihood: Likelihood): void {
  if (likelihood.kind !== 'bernoulli') return;
  const last = finalActivation(out);
  if (last && PROBABILITY_ACTIVATIONS.has(last.activation)) {
    const then = last.after.length > 0 ? ` before ${[...last.after].reverse().join(', ')}` : '';
    contract(
      'decoder',
      `the decoder ends in a ${last.activation}, but the Bernoulli likelihood expects logits (it applies the sigmoid itself, stably); layer '${last.layer}' applies it${then}. Remove that activation; vae.decode() still returns probabilities.`,
    );
  }
}

/** The message for a decoder output that is not the parameter shape, with the fix that fits it. */
function decoderShapeMessage(
  shape: ReadonlyArray<number | null>,
  dataShape: number[],
  paramShape: number[],
  likelihood: Likelihood,
): string {
  const needed = showShape([null, ...paramShape]);
  const size = paramShape.reduce((a, b) => a * b, 1);
  const channels = sameShape(dataShape, paramShape) ? '' : ' (mean and log-variance channels side by side)';
  const adapter = "or pass { decoderHead: 'adapter' } to add a Dense + Reshape head";
  let fix: string;
  if (shape.length === 2 && shape[1] === size && paramShape.length > 1) {
    fix = `It has the right number of values (${size}), only flat: end the decoder with tf.layers.reshape({ targetShape: [${paramShape.join(', ')}] }).`;
  } else if (paramShape.length === 1) {
    fix = `End the decoder with a layer of ${size} units (linear), ${adapter}.`;
  } else {
    fix = `End the decoder with a layer that emits [${paramShape.join(', ')}] per example (e.g. a conv with ${paramShape[paramShape.length - 1]} filters), ${adapter}.`;
  }
  return `the decoder's output has shape ${showShape(shape)}; the data has shape ${showShape([null, ...dataShape])} and the ${likelihood.kind} likelihood needs ${needed}${channels}. ${fix}`;
}

/** Decoder as a LayersModel emitting the parameter shape (a head attached only when asked). */
function resolveDecoderModel(
  spec: tfl.LayersModel | tfl.layers.Layer | tfl.layers.Layer[],
  latentDim: number,
  dataShape: number[],
  paramShape: number[],
  likelihood: Likelihood,
  numClasses: number,
  head: DecoderHead,
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
    if (numClasses > 0 && spec.inputs.length === 1) {
      contract(
        'decoder',
        `a conditional decoder model must take [z, label] (label one-hot [${numClasses}]); this one takes z only. Add a label input, or pass a list of layers and buildVAE concatenates z and the label.`,
      );
    }
    inputs = [...spec.inputs];
    out = spec.outputs[0] as Sym;
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
  }
  const shape = modelShape(out.shape);
  if (sameShape(shape, [null, ...paramShape])) {
    checkFinalActivation(out, likelihood);
    const model = isLayersModel(spec) ? spec : tfl.model({ inputs, outputs: out, name: 'decoder' });
    return { model, attached: false };
  }
  if (head !== 'adapter') contract('decoder', decoderShapeMessage(shape, dataShape, paramShape, likelihood));
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
    const { input, labels } = probeInputs(inputShape, numClasses);
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

/** The probe inputs of a function network: a batch of 2 zeros (and one-hot labels of class 0). */
function probeInputs(inputShape: number[], numClasses: number): { input: tf.Tensor; labels?: tf.Tensor2D } {
  const input = tf.zeros([2, ...inputShape]);
  if (numClasses === 0) return { input };
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 0], 'int32'), numClasses), 'float32') as tf.Tensor2D);
  return { input, labels };
}

/**
 * Which of `candidates` a function network reads: those its output's gradient reaches, traced
 * on one call with a probe batch in training mode (the path training takes). A variable that is
 * read but not differentiated through would not train either, so it is rightly not reported.
 */
function variablesRead(
  network: 'encoder' | 'decoder',
  fn: EncoderFunction | DecoderFunction,
  inputShape: number[],
  numClasses: number,
  candidates: tf.Variable[],
): tf.Variable[] {
  if (candidates.length === 0) return [];
  let read: tf.Variable[] = [];
  tf.tidy(() => {
    const { input, labels } = probeInputs(inputShape, numClasses);
    const call = fn as (t: tf.Tensor, c: { training: boolean; labels?: tf.Tensor2D }) => unknown;
    let grads: Array<tf.Tensor | undefined>;
    try {
      ({ grads } = tf.engine().gradients(
        () => {
          const out = call(input, { training: true, labels });
          const parts = (
            out instanceof tf.Tensor
              ? [out]
              : Array.isArray(out)
                ? out
                : [(out as { mean: tf.Tensor }).mean, (out as { logVar: tf.Tensor }).logVar]
          ) as tf.Tensor[];
          return tf.addN(parts.map((t) => tf.sum(tf.cast(t, 'float32'))));
        },
        candidates,
        undefined,
        true,
      ));
    } catch (cause) {
      throw new EncoderContractError(
        `${WHERE}: tracing which variables the ${network} function reads (one call in training mode on a probe batch ${showShape([2, ...inputShape])}, then its gradients) threw: ${cause instanceof Error ? cause.message : String(cause)}. Training takes the same gradients: keep every op between a variable and the output differentiable.`,
        { network, cause },
      );
    }
    read = candidates.filter((_, i) => grads[i] != null);
  });
  return read;
}

/** `'name' [shape]` of each variable, for messages. */
function describeVariables(vars: readonly tf.Variable[]): string {
  const shown = vars.slice(0, 6).map((v) => `'${v.name}' ${showShape(v.shape)}`);
  return vars.length > 6 ? `${shown.join(', ')} and ${vars.length - 6} more` : shown.join(', ');
}

/**
 * Checks that every trainable variable a function network reads is trained (in `variables` or a
 * model's weights) or explicitly frozen; throws an EncoderContractError naming the others.
 */
function checkFunctionVariables(
  network: 'encoder' | 'decoder',
  fn: EncoderFunction | DecoderFunction,
  inputShape: number[],
  numClasses: number,
  accounted: ReadonlySet<string>,
): void {
  const candidates = Object.values(tf.engine().registeredVariables).filter(
    (v) => v.trainable && !accounted.has(v.name),
  );
  const untrained = variablesRead(network, fn, inputShape, numClasses, candidates);
  if (untrained.length === 0) return;
  const n = untrained.length;
  contract(
    network,
    `the ${network} function reads ${n === 1 ? 'a trainable variable' : `${n} trainable variables`} that training would never update: ${describeVariables(untrained)}. The VAE trains its models' weights and the variables you list, nothing else. Pass ${n === 1 ? 'it' : 'them'} as buildVAE({ variables: [...] }) to train ${n === 1 ? 'it' : 'them'}, or as { frozen: [...] } (or create ${n === 1 ? 'it' : 'them'} with tf.variable(value, false)) to keep ${n === 1 ? 'it' : 'them'} fixed on purpose.`,
  );
}

function checkVariableList(field: 'variables' | 'frozen', value: unknown): tf.Variable[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => v instanceof tf.Variable)) {
    throw new ConfigError(
      `${WHERE}: ${field} must be a list of tf.Variable (made with tf.variable), got ${show(value)}. Pass e.g. { ${field}: [w, b] }.`,
      { field, expected: 'an array of tf.Variable', got: value },
    );
  }
  return value as tf.Variable[];
}

/**
 * Builds a VAE from your own encoder and decoder, checking their contracts at once.
 *
 * The encoder maps `x` `[batch, ...inputShape]` to `[mean, logVar]`, each `[batch, latentDim]`;
 * give it as a two-output model, as a feature network (buildVAE attaches Dense heads), or as a
 * function (see {@link EncoderSpec}). The decoder maps `z` `[batch, latentDim]` to the
 * likelihood's parameters `[batch, ...paramShape]`, exactly, unless you ask for an adapter head
 * with `{ decoderHead: 'adapter' }` (see {@link DecoderSpec}).
 *
 * Checked here, before any training: output counts and shapes of both networks; that a
 * Bernoulli decoder emits logits (no final sigmoid, also behind a Reshape or Flatten); and, for
 * function networks, that every trainable `tf.Variable` they read is trained (listed in
 * `variables`) or explicitly frozen (`frozen`, or made with `tf.variable(value, false)`), found
 * by tracing one call on a probe batch of 2.
 *
 * @param options - Networks, shapes, likelihood and loss weights; see {@link BuildVAEOptions}.
 * @returns The VAE; it owns the networks and `variables` (its `dispose()` disposes them).
 * @throws {@link EncoderContractError} for a wrong output count, latent size or data shape, a
 *   decoder output that is not the likelihood's parameter shape (without `decoderHead:
 *   'adapter'`), a decoder ending in a sigmoid under a Bernoulli likelihood, a function that fails
 *   on a probe batch, or a function that reads trainable variables missing from `variables`.
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
 *   // A hidden layer: ask buildVAE for the Dense(784) + Reshape([28, 28]) head after it.
 *   decoder: [tfl.layers.dense({ units: 256, activation: 'relu' })],
 *   decoderHead: 'adapter',
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
  const decoderHead = checkChoice(WHERE, 'decoderHead', options.decoderHead ?? 'none', ['none', 'adapter']);
  const variables = checkVariableList('variables', options.variables);
  const frozen = checkVariableList('frozen', options.frozen);
  const both = variables.find((v) => frozen.includes(v));
  if (both) {
    throw new ConfigError(
      `${WHERE}: variable '${both.name}' is in both variables (trained) and frozen (kept fixed). List it in one of them.`,
      { field: 'frozen', expected: 'variables not also in variables', got: both.name },
    );
  }
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
    if (decoderHead === 'adapter') {
      throw new ConfigError(
        `${WHERE}: decoderHead 'adapter' applies to layer and model decoders; this decoder is a function. End the function in the likelihood's parameter shape ${showShape([null, ...paramShape])}, or leave decoderHead out.`,
        { field: 'decoderHead', expected: "'none' for a function decoder", got: decoderHead },
      );
    }
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
      inputShape,
      paramShape,
      likelihood,
      numClasses,
      decoderHead,
      init,
    );
    decoderNet = resolved.model;
    decoderAttached = resolved.attached;
  }

  // Function networks may read any tf.Variable; make sure each one is trained or frozen on purpose.
  if (!isLayersModel(encoderNet) || !isLayersModel(decoderNet)) {
    const weightNames = (net: tfl.LayersModel | EncoderFunction | DecoderFunction): string[] =>
      isLayersModel(net) ? net.trainableWeights.map((w) => (w.read() as tf.Variable).name) : [];
    const accounted = new Set([
      ...weightNames(encoderNet),
      ...weightNames(decoderNet),
      ...likelihood.trainableVariables.map((v) => v.name),
      ...variables.map((v) => v.name),
      ...frozen.map((v) => v.name),
    ]);
    if (!isLayersModel(encoderNet)) checkFunctionVariables('encoder', encoderNet, inputShape, numClasses, accounted);
    if (!isLayersModel(decoderNet)) checkFunctionVariables('decoder', decoderNet, [latentDim], numClasses, accounted);
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
    variables,
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
