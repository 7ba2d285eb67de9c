// What a replica declares so the parallel trainer can train it with its fused MLP step instead
// of tfjs autodiff, and where that step keeps everything in the memory the workers share.
import { ConfigError } from '@vae/core';

/**
 * Activation of a {@link MlpVAESpec}'s hidden layers (the heads and the output layer are linear).
 *
 * @category Parallel training
 */
export type MlpVAEActivation = 'relu' | 'leakyRelu' | 'linear';

/**
 * The likelihood of a {@link MlpVAESpec}: Bernoulli over logits (binary cross-entropy), or a
 * Gaussian with a fixed standard deviation `sigma` over means.
 *
 * @category Parallel training
 */
export type MlpVAELikelihood =
  | {
      /** Bernoulli over logits. */
      kind: 'bernoulli';
    }
  | {
      /** Gaussian over means with a fixed standard deviation. */
      kind: 'gaussian';
      /** The standard deviation. */
      sigma: number;
    };

/**
 * A VAE made only of dense layers, described for the parallel trainer's fused step: an encoder
 * `x → Dense(encoderUnits…) → [Dense(latentDim) mean, Dense(latentDim) logVar]`, `z = mean +
 * exp(logVar / 2) · eps`, and a decoder `z → Dense(decoderUnits…) → Dense(inputSize)` giving the
 * likelihood's parameters. A replica that sets `Replica.mlpVAE` (of `@vae/backends/node`) promises that:
 *
 * - its `variables` are, in order, the kernel `[in, out]` and bias `[out]` of each encoder layer,
 *   the mean head, the log-variance head, each decoder layer and the output layer;
 * - its `loss` is the mean over the shard of `-log p(x | z) + klWeight · beta · KL(q(z | x) ‖
 *   N(0, I))`, with `z` drawn from the batch's `eps` (`[rows, latentDim]`) and `klWeight` the
 *   step's scalar of that name (1 when not given), and reports `reconstruction` and `kl`;
 * - its optimizer is Adam (`tf.train.adam` or `VAEAdam`).
 *
 * The trainer checks the variables' shapes against the spec, and on wasm workers runs the whole
 * step (forward, backward, Adam) with its own SIMD kernels in memory the workers share.
 *
 * @category Parallel training
 */
export interface MlpVAESpec {
  /** Values per example (the product of the data shape). */
  inputSize: number;
  /** Widths of the encoder's hidden layers (at least one). */
  encoderUnits: readonly number[];
  /** Size of the latent space. */
  latentDim: number;
  /** Widths of the decoder's hidden layers (at least one). */
  decoderUnits: readonly number[];
  /** Activation of every hidden layer. */
  activation: MlpVAEActivation;
  /** Slope below zero when `activation` is `'leakyRelu'`. @defaultValue 0.2 */
  leakyReluAlpha?: number;
  /** `p(x | z)`. */
  likelihood: MlpVAELikelihood;
  /** The weight on the KL term before the step's `klWeight`. */
  beta: number;
  /**
   * For a conditional VAE: the width of the condition (the classes of a one-hot label) joined to
   * the encoder's input and to the latent sample (`[x, label]` and `[z, label]`, as
   * `buildConditionalVAE`'s MLP does); the batch then carries `labels` (class ids `[rows]` or
   * `[rows, conditionWidth]` values). 0 for an unconditional model.
   *
   * @defaultValue 0
   */
  conditionWidth?: number;
}

/** One dense layer of the fused step: `out = act(input · W + b)`. */
export interface DenseLayer {
  inSize: number;
  outSize: number;
  activation: MlpVAEActivation;
  /** What feeds it: the data, the latent sample, or the output of layer `k`. */
  input: 'x' | 'z' | number;
}

/** The layers in variable order: encoder, mean head, log-variance head, decoder, output. */
export function denseLayers(spec: MlpVAESpec): DenseLayer[] {
  const layers: DenseLayer[] = [];
  const condition = spec.conditionWidth ?? 0;
  let input: DenseLayer['input'] = 'x';
  let width = spec.inputSize + condition;
  for (const units of spec.encoderUnits) {
    layers.push({ inSize: width, outSize: units, activation: spec.activation, input });
    input = layers.length - 1;
    width = units;
  }
  layers.push({ inSize: width, outSize: spec.latentDim, activation: 'linear', input });
  layers.push({ inSize: width, outSize: spec.latentDim, activation: 'linear', input });
  input = 'z';
  width = spec.latentDim + condition;
  for (const units of spec.decoderUnits) {
    layers.push({ inSize: width, outSize: units, activation: spec.activation, input });
    input = layers.length - 1;
    width = units;
  }
  layers.push({ inSize: width, outSize: spec.inputSize, activation: 'linear', input });
  return layers;
}

/** The index of the mean head in {@link denseLayers} (the log-variance head follows it). */
export function meanLayer(spec: MlpVAESpec): number {
  return spec.encoderUnits.length;
}

/** The variables' shapes in order: kernel `[in, out]` and bias `[out]` of each layer. */
export function denseVariableShapes(spec: MlpVAESpec): number[][] {
  return denseLayers(spec).flatMap((l) => [[l.inSize, l.outSize], [l.outSize]]);
}

const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

/**
 * Checks a spec's fields and that `shapes` (the replica's variables) are the ones it implies.
 *
 * @throws ConfigError naming the first field or variable that does not fit.
 */
export function checkMlpVAESpec(spec: MlpVAESpec, shapes: readonly (readonly number[])[]): void {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new ConfigError(
      `createParallelTrainer: the replica's mlpVAE.${field} must be ${expected}, got ${JSON.stringify(got)}. Fix the spec or leave mlpVAE out to train with tfjs autodiff.`,
      { field: `mlpVAE.${field}`, expected, got },
    );
  };
  if (!positive(spec.inputSize)) bad('inputSize', 'a positive integer', spec.inputSize);
  if (!positive(spec.latentDim)) bad('latentDim', 'a positive integer', spec.latentDim);
  for (const key of ['encoderUnits', 'decoderUnits'] as const) {
    const units = spec[key];
    if (!Array.isArray(units) || units.length === 0 || !units.every(positive)) {
      bad(key, 'a non-empty list of positive integers', units);
    }
  }
  if (!['relu', 'leakyRelu', 'linear'].includes(spec.activation)) {
    bad('activation', "'relu', 'leakyRelu' or 'linear'", spec.activation);
  }
  const alpha = spec.leakyReluAlpha ?? 0.2;
  if (!(Number.isFinite(alpha) && alpha >= 0)) bad('leakyReluAlpha', 'a finite number >= 0', alpha);
  const lik = spec.likelihood;
  if (lik?.kind !== 'bernoulli' && !(lik?.kind === 'gaussian' && Number.isFinite(lik.sigma) && lik.sigma > 0)) {
    bad('likelihood', "{ kind: 'bernoulli' } or { kind: 'gaussian', sigma > 0 }", lik);
  }
  if (!(Number.isFinite(spec.beta) && spec.beta >= 0)) bad('beta', 'a finite number >= 0', spec.beta);
  const condition = spec.conditionWidth ?? 0;
  if (!(Number.isInteger(condition) && condition >= 0)) bad('conditionWidth', 'an integer >= 0', condition);
  const want = denseVariableShapes(spec);
  const got = shapes.map((s) => [...s]);
  if (want.length !== got.length || want.some((s, k) => s.join() !== (got[k] as number[]).join())) {
    throw new ConfigError(
      `createParallelTrainer: the replica's variables have shapes ${JSON.stringify(got)}, but its mlpVAE spec implies ${JSON.stringify(want)} (kernel and bias of each encoder layer, the mean and log-variance heads, each decoder layer and the output). Fix the spec or leave mlpVAE out.`,
      { field: 'mlpVAE', expected: JSON.stringify(want), got: JSON.stringify(got) },
    );
  }
}

/**
 * Where the fused step keeps everything, as float32 offsets into one shared memory: the weights
 * `params` and Adam's `m`, `v` and the gradient `grad` (each variable at the same offset within
 * its region), a row of ones (`capacity` long), the batch (`x`, `eps`), the latent sample, each layer's output and
 * the loss's gradient with respect to it (`[capacity, outSize]`, rows as in the batch), and two
 * transpose buffers per worker.
 */
export interface MlpVAELayout {
  /** The most rows a batch may have. */
  capacity: number;
  workers: number;
  /** Offset of each variable within a parameter region. */
  variable: number[];
  sizes: number[];
  params: number;
  m: number;
  v: number;
  grad: number;
  one: number;
  /** The data, `[capacity, inputSize]`. */
  x: number;
  /** The encoder's input: `[x, label]` rows for a conditional model, else the same as `x`. */
  xy: number;
  eps: number;
  /** The latent sample, `[capacity, latentDim + conditionWidth]` (the label after `z`). */
  z: number;
  out: number[];
  dOut: number[];
  /** Per worker: its first transpose buffer; the second follows after `scratchFloats`. */
  scratch: number[];
  scratchFloats: number;
  /** Bytes in all. */
  bytes: number;
}

/** 64-byte alignment: every buffer starts on a cache line. */
const ALIGN = 16;
const aligned = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** The layout of `spec` for batches of up to `capacity` rows split between `workers`. */
export function mlpVAELayout(spec: MlpVAESpec, capacity: number, workers: number): MlpVAELayout {
  const layers = denseLayers(spec);
  const sizes = denseVariableShapes(spec).map((s) => s.reduce((a, b) => a * b, 1));
  let cursor = 0;
  const take = (floats: number) => {
    const at = cursor;
    cursor += aligned(floats);
    return at;
  };
  const variable: number[] = [];
  let paramFloats = 0;
  for (const size of sizes) {
    variable.push(paramFloats);
    paramFloats += aligned(size);
  }
  const params = take(paramFloats);
  const m = take(paramFloats);
  const v = take(paramFloats);
  const grad = take(paramFloats);
  const one = take(capacity);
  const condition = spec.conditionWidth ?? 0;
  const x = take(capacity * spec.inputSize);
  const xy = condition > 0 ? take(capacity * (spec.inputSize + condition)) : x;
  const eps = take(capacity * spec.latentDim);
  const z = take(capacity * (spec.latentDim + condition));
  const out = layers.map((l) => take(capacity * l.outSize));
  const dOut = layers.map((l) => take(capacity * l.outSize));
  // A shard's rows, padded to a multiple of 4, times the widest layer.
  const widest = Math.max(...layers.flatMap((l) => [l.inSize, l.outSize]));
  const scratchFloats = aligned((Math.ceil(capacity / workers / 4) * 4 + 4) * widest);
  const scratch = Array.from({ length: workers }, () => take(2 * scratchFloats));
  return {
    capacity,
    workers,
    variable,
    sizes,
    params,
    m,
    v,
    grad,
    one,
    x,
    xy,
    eps,
    z,
    out,
    dOut,
    scratch,
    scratchFloats,
    bytes: cursor * 4,
  };
}

/**
 * Writes a batch where the fused step reads it: `x` (`rows × inputSize` values), `eps`
 * (`rows × latentDim`) and, for a conditional spec, the one-hot `labels` (already `rows ×
 * conditionWidth` values) joined to each row of `x` and after each latent sample's place.
 */
export function writeMlpBatch(
  heap: Float32Array,
  layout: MlpVAELayout,
  spec: MlpVAESpec,
  rows: number,
  x: Float32Array,
  eps: Float32Array,
  oneHot?: Float32Array,
): void {
  heap.set(x, layout.x);
  heap.set(eps, layout.eps);
  const condition = spec.conditionWidth ?? 0;
  if (condition === 0 || oneHot === undefined) return;
  const { inputSize, latentDim } = spec;
  for (let r = 0; r < rows; r++) {
    const label = oneHot.subarray(r * condition, (r + 1) * condition);
    const xy = layout.xy + r * (inputSize + condition);
    heap.set(x.subarray(r * inputSize, (r + 1) * inputSize), xy);
    heap.set(label, xy + inputSize);
    heap.set(label, layout.z + r * (latentDim + condition) + latentDim);
  }
}

/** The largest shared memory the fused step asks for (bigger models train with tfjs autodiff). */
export const MLP_VAE_MAX_BYTES = 2 ** 31;

/** A shared wasm memory big enough for `layout`, with the row of ones in place. */
export function mlpVAEMemory(layout: MlpVAELayout): WebAssembly.Memory {
  const pages = Math.ceil(layout.bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  new Float32Array(memory.buffer).fill(1, layout.one, layout.one + layout.capacity);
  return memory;
}
