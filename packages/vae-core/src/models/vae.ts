import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of every op in Node
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, DisposedError, EncoderContractError, ShapeError } from '../errors/index.js';
import { type EvaluateOptions, type EvaluationResult, evaluateVAE } from '../evaluation/evaluate.js';
import { type EstimateNllOptions, estimateNll, type NllEstimate } from '../evaluation/importance-weighted.js';
import { checkBatchShape, checkInteger, checkNumber, show, showShape } from '../internal/index.js';
import type { SaveVAEOptions, SaveVAEResult, VAEDestination } from '../io/save-vae.js';
import { saveVAE } from '../io/save-vae.js';
import { klStandardNormal, klStandardNormalPerDimension, type Likelihood } from '../losses/index.js';
import {
  checkSeed,
  type InterpolationMethod,
  interpolateLatents,
  reparameterize,
  samplePrior,
} from '../sampling/index.js';
import type { TrainingData } from '../training/data.js';
import { type FitOptions, fitVAE } from '../training/fit.js';
import type { History } from '../training/logs.js';
import { checkDataSupport, checkLabels } from './data-support.js';
import { type Labels, resolveLabels } from './labels.js';
import { type DecoderFunction, type EncoderFunction, isLayersModel } from './networks.js';
import type { VAEConfig } from './vae-config.js';

/**
 * The parts a {@link VAE} is made of. Prefer {@link buildVAE} and the other builders, which
 * check the encoder and decoder contracts; the constructor trusts its arguments.
 *
 * @category Models
 */
export interface VAEParts {
  /** Maps `x` (and labels) to `[mean, logVar]`, each `[batch, latentDim]`. */
  encoder: tfl.LayersModel | EncoderFunction;
  /** Maps `z` (and labels) to the likelihood's parameters `[batch, ...paramShape]`. */
  decoder: tfl.LayersModel | DecoderFunction;
  /** The likelihood `p(x | z)`; built for `config.inputShape` by the constructor. */
  likelihood: Likelihood;
  /** The persisted description. */
  config: VAEConfig;
  /** Variables of function networks, trained beside the models' weights. */
  variables?: tf.Variable[];
}

/**
 * Per-call options of the methods that take conditional labels or run in training mode.
 *
 * @category Models
 */
export interface CallOptions {
  /** Class labels for a conditional model: ids `[batch]` or one-hot `[batch, numClasses]`. */
  labels?: Labels | undefined;
  /** Run the networks in training mode (dropout active). @defaultValue false */
  training?: boolean;
}

/**
 * Options of {@link VAE.lossTerms} and {@link VAE.lossTermsPerExample}.
 *
 * @category Models
 */
export interface LossOptions extends CallOptions {
  /** Multiplies `beta * KL` (KL warm-up / annealing). @defaultValue 1 */
  klWeight?: number;
  /** Seed of the reparameterization noise. @defaultValue undefined (fresh noise) */
  seed?: number;
  /**
   * The reparameterization noise to use instead of drawing it: standard-normal values
   * `[batch, latentDim]`, so that `z = mean + exp(logVar / 2) * eps`. With it the loss is a
   * deterministic function of the batch (`seed` is ignored), which lets a batch split across
   * workers see the same noise as the whole batch. The caller keeps ownership.
   *
   * @defaultValue undefined (noise drawn from `seed`)
   */
  eps?: tf.Tensor;
  /**
   * Check `x` against the likelihood's support (Bernoulli: [0, 1]) and for NaN values, and class
   * id tensors against `numClasses`, throwing a {@link ConfigError} that names the fix. Costs one
   * read-back of a few numbers, so training steps skip it: the training loop checks its first
   * batch instead (pass `false` in a hand-written loop, and check the data once yourself).
   *
   * @defaultValue `true`, or `false` when `training` is true
   */
  checkData?: boolean;
}

/**
 * Scalar loss terms, each a mean over the batch in nats per example.
 *
 * @category Models
 */
export interface LossTerms {
  /** `reconstruction + klWeight * beta * klTerm`, where `klTerm` applies free bits: the value to minimize. */
  total: tf.Scalar;
  /** `-log p(x | z)` with one `z ~ q(z | x)` per example. */
  reconstruction: tf.Scalar;
  /** Analytic `KL(q(z | x) || p(z))`, without beta, KL weight or free bits. */
  kl: tf.Scalar;
}

/**
 * Per-example loss terms, each `[batch]` in nats.
 *
 * @category Models
 */
export interface PerExampleLossTerms {
  /** `reconstruction + klWeight * beta * kl` per example (free bits, a batch statistic, not applied): the negative ELBO when beta and klWeight are 1. */
  total: tf.Tensor1D;
  /** `-log p(x | z)` with one `z ~ q(z | x)` per example. */
  reconstruction: tf.Tensor1D;
  /** Analytic `KL(q(z | x) || p(z))` per example. */
  kl: tf.Tensor1D;
}

/**
 * Options of {@link VAE.reconstruct}.
 *
 * @category Models
 */
export interface ReconstructOptions extends CallOptions {
  /** Decode a sample `z ~ q(z | x)` instead of the posterior mean. @defaultValue false */
  sample?: boolean;
  /** Seed of the sample when `sample` is true. @defaultValue undefined */
  seed?: number;
}

/**
 * Options of {@link VAE.sample}.
 *
 * @category Models
 */
export interface SampleOptions {
  /** Seed of the prior draws; same seed, same samples on the same backend. @defaultValue undefined */
  seed?: number;
  /** Labels of a conditional model: one class id for all, ids `[n]`, or one-hot `[n, numClasses]`. */
  labels?: Labels | undefined;
  /** Scales the prior's standard deviation (below 1 gives cleaner, less varied samples). @defaultValue 1 */
  temperature?: number;
}

/**
 * Options of {@link VAE.interpolate}.
 *
 * @category Models
 */
export interface InterpolateDataOptions {
  /** Path in latent space. @defaultValue `'linear'` */
  method?: InterpolationMethod;
  /** Label of a conditional model (one class id, used for every step). */
  labels?: Labels | undefined;
}

/**
 * Parameter counts, as Keras reports them.
 *
 * @category Models
 */
export interface ParamCounts {
  /** Weights of the encoder (0 for a function; its variables count in `total` only). */
  encoder: number;
  /** Weights of the decoder. */
  decoder: number;
  /** Variables of the likelihood (learned variance). */
  likelihood: number;
  /** Sum of the above plus the variables of function networks. */
  total: number;
}

/**
 * Options of {@link VAE.summary}.
 *
 * @category Models
 */
export interface SummaryOptions {
  /** Where each line goes; `null` prints nothing (the text is still returned). @defaultValue console.log */
  printFn?: ((line: string) => void) | null;
  /** Width of the tables. @defaultValue 80 */
  lineLength?: number;
}

/**
 * A Variational Autoencoder: an encoder `q(z | x)`, the standard normal prior `p(z)`, a decoder
 * and a likelihood `p(x | z)`. Sampling happens in this object's code between the networks, so
 * the encoder and decoder stay plain tfjs models that save and load without custom layers.
 *
 * Tensor ownership: no method disposes its inputs; every returned tensor is new and the
 * caller's. Call {@link VAE.dispose} when done; the VAE owns (and disposes) its networks.
 *
 * Made by {@link buildVAE}, {@link buildConvVAE}, {@link buildMlpVAE}, {@link buildLstmVAE},
 * {@link buildConditionalVAE}, or {@link loadVAE}.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildConvVAE } from '@vae/core';
 *
 * const vae = buildConvVAE({ inputShape: [28, 28, 1], latentDim: 2 });
 * const x = tf.zeros([4, 28, 28, 1]);
 * const { mean, logVar } = vae.encode(x);
 * const pictures = vae.decode(mean); // probabilities, [4, 28, 28, 1]
 * const { total } = vae.lossTerms(x);
 * tf.dispose([x, mean, logVar, pictures, total]);
 * vae.dispose();
 * ```
 *
 * @category Models
 */
export class VAE {
  /** The encoder: a `tf.LayersModel` with outputs `[mean, logVar]`, or a function. */
  readonly encoder: tfl.LayersModel | EncoderFunction;
  /** The decoder: a `tf.LayersModel` emitting the likelihood's parameters, or a function. */
  readonly decoder: tfl.LayersModel | DecoderFunction;
  /** The likelihood `p(x | z)`. */
  readonly likelihood: Likelihood;
  /** The persisted description (plain JSON). */
  readonly config: Readonly<VAEConfig>;
  /** Size of the latent space. */
  readonly latentDim: number;
  /** Data shape without the batch axis. */
  readonly inputShape: readonly number[];
  /** Number of classes of a conditional model; 0 when unconditional. */
  readonly numClasses: number;
  private readonly extraVariables: tf.Variable[];
  private disposed = false;

  /**
   * @param parts - Networks, likelihood and config; see {@link VAEParts}.
   * @throws {@link ConfigError} when `config.beta` or `config.freeBits` is negative or not finite.
   */
  constructor(parts: VAEParts) {
    this.encoder = parts.encoder;
    this.decoder = parts.decoder;
    this.likelihood = parts.likelihood;
    checkNumber('VAE', 'beta', parts.config.beta, 0, Number.POSITIVE_INFINITY, '{ beta: 1 }');
    checkNumber('VAE', 'freeBits', parts.config.freeBits, 0, Number.POSITIVE_INFINITY, '{ freeBits: 0.5 }');
    this.config = Object.freeze({ ...parts.config });
    this.latentDim = parts.config.latentDim;
    this.inputShape = Object.freeze([...parts.config.inputShape]);
    this.numClasses = parts.config.numClasses;
    this.extraVariables = [...(parts.variables ?? [])];
    this.likelihood.build(this.inputShape);
  }

  /** Whether {@link VAE.dispose} has been called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Every variable training should update: the encoder's and decoder's trainable weights, the
   * likelihood's learned variance, and any variables of function networks.
   */
  get trainableVariables(): tf.Variable[] {
    this.assertAlive('trainableVariables');
    const fromModel = (m: tfl.LayersModel | EncoderFunction | DecoderFunction): tf.Variable[] =>
      isLayersModel(m) ? m.trainableWeights.map((w) => w.read() as tf.Variable) : [];
    return [
      ...fromModel(this.encoder),
      ...fromModel(this.decoder),
      ...this.likelihood.trainableVariables,
      ...this.extraVariables,
    ];
  }

  /**
   * Encodes data to the parameters of `q(z | x)`.
   *
   * @param x - Data, `[batch, ...inputShape]`.
   * @param options - `labels` for conditional models; `training` enables dropout.
   * @returns `{ mean, logVar }`, each `[batch, latentDim]` (new tensors, the caller's).
   * @throws {@link ShapeError} when `x` does not have the data shape.
   * @throws {@link ConfigError} when labels are missing (conditional) or given (unconditional).
   * @throws {@link DisposedError} after `dispose()`.
   */
  encode(
    x: tf.Tensor,
    options: CallOptions = {},
  ): {
    /** Posterior means, `[batch, latentDim]`. */
    mean: tf.Tensor2D;
    /** Posterior log-variances, `[batch, latentDim]`. */
    logVar: tf.Tensor2D;
  } {
    this.assertAlive('encode');
    checkBatchShape('VAE.encode', 'x', x, this.inputShape);
    checkLabels(this, options.labels, 'VAE.encode');
    const [mean, logVar] = tf.tidy(() => {
      const labels = resolveLabels('VAE.encode', options.labels, x.shape[0], this.numClasses);
      return this.runEncoder(x, labels, options.training ?? false);
    });
    return { mean, logVar };
  }

  /**
   * Decodes latent vectors to the likelihood's raw parameters (logits for Bernoulli; means for a
   * fixed Gaussian; `[mean, logVar]` side by side for per-pixel learned variance). Use
   * {@link VAE.decode} for pictures.
   *
   * @param z - `[batch, latentDim]`.
   * @param options - `labels` for conditional models; `training` enables dropout.
   * @returns `[batch, ...paramShape]` (new tensor).
   * @throws {@link ShapeError} when `z` is not `[batch, latentDim]`.
   * @throws {@link DisposedError} after `dispose()`.
   */
  decodeParams(z: tf.Tensor, options: CallOptions = {}): tf.Tensor {
    this.assertAlive('decodeParams');
    checkBatchShape('VAE.decodeParams', 'z', z, [this.latentDim]);
    checkLabels(this, options.labels, 'VAE.decodeParams');
    return tf.tidy(() => {
      const labels = resolveLabels('VAE.decodeParams', options.labels, z.shape[0], this.numClasses);
      return this.runDecoder(z, labels, options.training ?? false);
    });
  }

  /**
   * Decodes latent vectors to the likelihood's mean in data space: probabilities for Bernoulli,
   * means for Gaussians. This is what pictures need.
   *
   * @param z - `[batch, latentDim]`.
   * @param options - `labels` for conditional models.
   * @returns `[batch, ...inputShape]` (new tensor).
   * @throws {@link ShapeError} when `z` is not `[batch, latentDim]`.
   * @throws {@link DisposedError} after `dispose()`.
   */
  decode(z: tf.Tensor, options: CallOptions = {}): tf.Tensor {
    this.assertAlive('decode');
    checkBatchShape('VAE.decode', 'z', z, [this.latentDim]);
    checkLabels(this, options.labels, 'VAE.decode');
    return tf.tidy(() => {
      const labels = resolveLabels('VAE.decode', options.labels, z.shape[0], this.numClasses);
      return this.likelihood.mean(this.runDecoder(z, labels, options.training ?? false));
    });
  }

  /**
   * Encodes and decodes: `decode(mean of q(z | x))`, or a decoded sample with `{ sample: true }`.
   *
   * @param x - Data, `[batch, ...inputShape]`.
   * @param options - `labels`, `sample`, `seed`.
   * @returns `[batch, ...inputShape]` in data space (new tensor).
   * @throws {@link ShapeError} when `x` does not have the data shape.
   * @throws {@link DisposedError} after `dispose()`.
   */
  reconstruct(x: tf.Tensor, options: ReconstructOptions = {}): tf.Tensor {
    this.assertAlive('reconstruct');
    checkBatchShape('VAE.reconstruct', 'x', x, this.inputShape);
    checkLabels(this, options.labels, 'VAE.reconstruct');
    const seed = checkSeed('VAE.reconstruct', options.seed);
    return tf.tidy(() => {
      const labels = resolveLabels('VAE.reconstruct', options.labels, x.shape[0], this.numClasses);
      const [mean, logVar] = this.runEncoder(x, labels, false);
      const z = options.sample ? reparameterize(mean, logVar, { seed }) : mean;
      return this.likelihood.mean(this.runDecoder(z, labels, false));
    });
  }

  /**
   * Draws `n` new examples: `z ~ N(0, I)` decoded to data space.
   *
   * @param n - How many.
   * @param options - `seed`, `temperature`, and `labels` for conditional models.
   * @returns `[n, ...inputShape]` (new tensor).
   * @throws {@link ConfigError} for a bad `n`, seed or labels.
   * @throws {@link DisposedError} after `dispose()`.
   */
  sample(n: number, options: SampleOptions = {}): tf.Tensor {
    this.assertAlive('sample');
    checkInteger('VAE.sample', 'n', n, 1, 'vae.sample(16)');
    const temperature = checkNumber(
      'VAE.sample',
      'temperature',
      options.temperature ?? 1,
      0,
      1e6,
      '{ temperature: 0.8 }',
    );
    const seed = checkSeed('VAE.sample', options.seed);
    checkLabels(this, options.labels, 'VAE.sample');
    return tf.tidy(() => {
      const labels = resolveLabels('VAE.sample', options.labels, n, this.numClasses);
      const z = tf.mul(samplePrior(n, this.latentDim, { seed }), temperature);
      return this.likelihood.mean(this.runDecoder(z, labels, false));
    });
  }

  /**
   * Interpolates between two examples through latent space: both are encoded (posterior means),
   * the path between the codes is decoded.
   *
   * @param a - First example, `[...inputShape]` or `[1, ...inputShape]`.
   * @param b - Second example, same shape.
   * @param steps - Number of points, ends included (>= 2).
   * @param options - `method` (`'linear'` or `'spherical'`), `labels` (one class id).
   * @returns `[steps, ...inputShape]` in data space (new tensor).
   * @throws {@link ShapeError} when `a` or `b` is not one example.
   * @throws {@link DisposedError} after `dispose()`.
   */
  interpolate(a: tf.Tensor, b: tf.Tensor, steps: number, options: InterpolateDataOptions = {}): tf.Tensor {
    this.assertAlive('interpolate');
    checkInteger('VAE.interpolate', 'steps', steps, 2, 'vae.interpolate(a, b, 8)');
    return tf.tidy(() => {
      const asBatch = (t: tf.Tensor, name: string): tf.Tensor => {
        const one = t.rank === this.inputShape.length ? tf.expandDims(t, 0) : t;
        checkBatchShape('VAE.interpolate', name, one, this.inputShape);
        if (one.shape[0] !== 1) checkBatchShape('VAE.interpolate', name, t, this.inputShape.slice(1));
        return one;
      };
      const pair = tf.concat([asBatch(a, 'a'), asBatch(b, 'b')], 0);
      const labelPair = resolveLabels('VAE.interpolate', pickOne(options.labels), 2, this.numClasses);
      const [mean] = this.runEncoder(pair, labelPair, false);
      const [ma, mb] = tf.split(mean, 2, 0);
      const path = interpolateLatents(ma, mb, steps, { method: options.method });
      const labels = resolveLabels('VAE.interpolate', pickOne(options.labels), steps, this.numClasses);
      return this.likelihood.mean(this.runDecoder(path, labels, false));
    });
  }

  /**
   * The loss of one batch as scalar terms: mean over the batch, nats per example.
   * `total = reconstruction + klWeight * beta * klTerm`, where `klTerm` is the KL with the
   * free-bits floor of the config (the plain KL when `freeBits` is 0). Synchronous and
   * differentiable: call it inside `optimizer.minimize(() => vae.lossTerms(x, { training: true
   * }).total, true, vae.trainableVariables)` or `tf.tidy`. Outside training it first checks the
   * data against the likelihood (see {@link LossOptions.checkData}).
   *
   * @param x - Data, `[batch, ...inputShape]`.
   * @param options - `labels`, `klWeight`, `seed` or `eps`, `training`, `checkData`.
   * @returns `{ total, reconstruction, kl }` scalars (new tensors).
   * @throws {@link ShapeError} when `x` does not have the data shape, or `eps` is not `[batch, latentDim]`.
   * @throws {@link ConfigError} (unless `checkData` is off) when `x` lies outside the likelihood's
   *   support (Bernoulli: [0, 1]) or holds NaN, or class ids are not integers in `[0, numClasses)`.
   * @throws {@link DisposedError} after `dispose()`.
   */
  lossTerms(x: tf.Tensor, options: LossOptions = {}): LossTerms {
    this.assertAlive('lossTerms');
    checkBatchShape('VAE.lossTerms', 'x', x, this.inputShape);
    const klWeight = checkNumber(
      'VAE.lossTerms',
      'klWeight',
      options.klWeight ?? 1,
      0,
      Number.POSITIVE_INFINITY,
      '{ klWeight: 0.5 }',
    );
    const seed = checkSeed('VAE.lossTerms', options.seed);
    this.checkEps('VAE.lossTerms', x, options.eps);
    this.checkData('VAE.lossTerms', x, options);
    return tf.tidy(() => {
      const { logLik, mean, logVar } = this.forward(x, options, seed, 'VAE.lossTerms');
      const reconstruction = tf.neg(tf.mean(logLik)) as tf.Scalar;
      const klPerDim = klStandardNormalPerDimension(mean, logVar);
      const kl = tf.mean(tf.sum(klPerDim, 1)) as tf.Scalar;
      const { beta, freeBits } = this.config;
      const klTerm = freeBits > 0 ? tf.sum(tf.maximum(tf.mean(klPerDim, 0), freeBits)) : kl;
      const total = tf.add(reconstruction, tf.mul(klTerm, klWeight * beta)) as tf.Scalar;
      return { total, reconstruction, kl };
    });
  }

  /**
   * The loss terms of each example, `[batch]` in nats, for evaluation.
   *
   * @param x - Data, `[batch, ...inputShape]`.
   * @param options - `labels`, `klWeight`, `seed` or `eps`, `training`, `checkData`.
   * @returns `{ total, reconstruction, kl }`, each `[batch]` (new tensors).
   * @throws {@link ShapeError} when `x` does not have the data shape, or `eps` is not `[batch, latentDim]`.
   * @throws {@link ConfigError} (unless `checkData` is off) when `x` lies outside the likelihood's
   *   support or holds NaN, or class ids are not integers in `[0, numClasses)`.
   * @throws {@link DisposedError} after `dispose()`.
   */
  lossTermsPerExample(x: tf.Tensor, options: LossOptions = {}): PerExampleLossTerms {
    this.assertAlive('lossTermsPerExample');
    checkBatchShape('VAE.lossTermsPerExample', 'x', x, this.inputShape);
    const klWeight = checkNumber(
      'VAE.lossTermsPerExample',
      'klWeight',
      options.klWeight ?? 1,
      0,
      Number.POSITIVE_INFINITY,
      '{ klWeight: 1 }',
    );
    const seed = checkSeed('VAE.lossTermsPerExample', options.seed);
    this.checkEps('VAE.lossTermsPerExample', x, options.eps);
    this.checkData('VAE.lossTermsPerExample', x, options);
    return tf.tidy(() => {
      const { logLik, mean, logVar } = this.forward(x, options, seed, 'VAE.lossTermsPerExample');
      const reconstruction = tf.neg(logLik) as tf.Tensor1D;
      const kl = klStandardNormal(mean, logVar);
      const total = tf.add(reconstruction, tf.mul(kl, klWeight * this.config.beta)) as tf.Tensor1D;
      return { total, reconstruction, kl };
    });
  }

  /**
   * Parameter counts of the encoder, decoder and likelihood, and their total.
   *
   * @returns The counts.
   * @throws {@link DisposedError} after `dispose()`.
   */
  countParams(): ParamCounts {
    this.assertAlive('countParams');
    const count = (m: tfl.LayersModel | EncoderFunction | DecoderFunction): number =>
      isLayersModel(m) ? m.countParams() : 0;
    const sizeOf = (vars: tf.Variable[]): number => vars.reduce((s, v) => s + v.size, 0);
    const encoder = count(this.encoder);
    const decoder = count(this.decoder);
    const likelihood = sizeOf(this.likelihood.trainableVariables);
    return { encoder, decoder, likelihood, total: encoder + decoder + likelihood + sizeOf(this.extraVariables) };
  }

  /**
   * Prints the encoder, the decoder and the whole model with their parameter counts, one table
   * each, as Keras does.
   *
   * @param options - `printFn` (default `console.log`; `null` for none) and `lineLength`.
   * @returns The printed text.
   * @throws {@link DisposedError} after `dispose()`.
   */
  summary(options: SummaryOptions = {}): string {
    this.assertAlive('summary');
    const lineLength = options.lineLength ?? 80;
    const lines: string[] = [];
    const push = (...parts: unknown[]): void => {
      lines.push(parts.map(String).join(' '));
    };
    const network = (name: string, m: tfl.LayersModel | EncoderFunction | DecoderFunction): void => {
      push(`Model: "${name}"`);
      if (isLayersModel(m)) {
        m.summary(lineLength, undefined, push);
      } else {
        push(`(a function; its parameters are not listed)`);
      }
      push('');
    };
    network('encoder', this.encoder);
    network('decoder', this.decoder);
    const counts = this.countParams();
    const trainable = this.trainableVariables.reduce((s, v) => s + v.size, 0);
    const cols = [Math.floor(lineLength * 0.4), Math.floor(lineLength * 0.75), lineLength];
    const row = (cells: string[]): string => {
      let line = '';
      cells.forEach((cell, i) => {
        line = (line + cell).slice(0, cols[i] - 1).padEnd(cols[i], ' ');
      });
      return line.trimEnd();
    };
    const paramShape = this.likelihood.paramShape(this.inputShape);
    push(`Model: "vae"`);
    push('_'.repeat(lineLength));
    push(row(['Layer (type)', 'Output shape', 'Param #']));
    push('='.repeat(lineLength));
    push(
      row([
        `encoder (${kindOf(this.encoder)})`,
        `[${showShape([null, this.latentDim])}, ${showShape([null, this.latentDim])}]`,
        String(counts.encoder),
      ]),
    );
    push('_'.repeat(lineLength));
    push(row(['sampling (reparameterize)', showShape([null, this.latentDim]), '0']));
    push('_'.repeat(lineLength));
    push(row([`decoder (${kindOf(this.decoder)})`, showShape([null, ...paramShape]), String(counts.decoder)]));
    push('_'.repeat(lineLength));
    push(
      row([`likelihood (${this.likelihood.kind})`, showShape([null, ...this.inputShape]), String(counts.likelihood)]),
    );
    push('='.repeat(lineLength));
    push(`Total params: ${counts.total}`);
    push(`Trainable params: ${trainable}`);
    push(`Non-trainable params: ${counts.total - trainable}`);
    push('_'.repeat(lineLength));
    const text = lines.join('\n');
    if (options.printFn !== null) {
      const print = options.printFn ?? ((line: string) => console.log(line));
      for (const line of lines) print(line);
    }
    return text;
  }

  /**
   * Trains the model; see {@link fitVAE} for the loop, the data forms and every option.
   *
   * @param data - Tensors `[n, ...inputShape]` (or `{ x, labels }`), a dataset with `batches()`,
   *   a `tf.data.Dataset` of batches, or an iterable of `{ x, labels? }` batches.
   * @param options - Epochs, batch size, validation, optimizer, schedules, callbacks, resume.
   * @returns Per-epoch logs in nats per example.
   * @throws {@link NonFiniteLossError} when the loss becomes NaN or infinite.
   * @throws {@link ConfigError} for invalid options or data.
   * @throws {@link DisposedError} after `dispose()`.
   * @example
   * ```ts
   * import '@tensorflow/tfjs-backend-cpu';
   * import { buildMlpVAE } from '@vae/core';
   * import * as tf from '@tensorflow/tfjs-core';
   *
   * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
   * const history = await vae.fit(tf.randomUniform([64, 16]), { epochs: 2, batchSize: 16, validationSplit: 0.25 });
   * console.log(history.epochs.at(-1)?.valLoss);
   * ```
   */
  async fit(data: TrainingData, options: FitOptions = {}): Promise<History> {
    this.assertAlive('fit');
    return fitVAE(this, data, options);
  }

  /**
   * The negative ELBO of a dataset in nats per example, with its terms and bits per dimension;
   * see {@link evaluateVAE}.
   *
   * @param data - The data, in any form `fit` accepts.
   * @param options - Batch size, seed and labels.
   * @returns Mean terms over all examples.
   * @throws {@link DisposedError} after `dispose()`.
   */
  async evaluate(data: TrainingData, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    this.assertAlive('evaluate');
    return evaluateVAE(this, data, options);
  }

  /**
   * The importance-weighted estimate of `-log p(x)` in nats per example; see {@link estimateNll}.
   *
   * @param data - The data, in any form `fit` accepts.
   * @param options - `importanceSamples` (default 1000), batch size, chunk bound, seed, labels.
   * @returns The mean estimate.
   * @throws {@link DisposedError} after `dispose()`.
   */
  async estimateNll(data: TrainingData, options: EstimateNllOptions = {}): Promise<NllEstimate> {
    this.assertAlive('estimateNll');
    return estimateNll(this, data, options);
  }

  /**
   * Saves the model: `vae.json` plus the encoder and decoder as standard tfjs LayersModels. See
   * {@link saveVAE} for destinations, the folder layout and atomic writes.
   *
   * @param destination - `file://path` (Node), `indexeddb://key`, `localstorage://key`,
   *   `http(s)://url` (POST), or `{ encoder, decoder }` tf.io handlers.
   * @param options - `trainingState` (JSON) and `extraFiles` stored beside the model.
   * @returns What was written.
   * @throws {@link ModelFormatError} when a network is a function, or the destination has no handler.
   * @throws {@link DisposedError} after `dispose()`.
   */
  async save(destination: VAEDestination, options: SaveVAEOptions = {}): Promise<SaveVAEResult> {
    this.assertAlive('save');
    return saveVAE(this, destination, options);
  }

  /**
   * Releases the networks' weights and the likelihood's variables. Idempotent; any later use
   * throws {@link DisposedError}.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [this.encoder, this.decoder]) {
      if (isLayersModel(m)) {
        try {
          m.dispose();
        } catch {
          // a model shared with another owner may already be disposed; nothing left to free
        }
      }
    }
    this.likelihood.dispose();
    for (const v of this.extraVariables) v.dispose();
  }

  private forward(
    x: tf.Tensor,
    options: LossOptions,
    seed: number | undefined,
    where: string,
  ): { logLik: tf.Tensor1D; mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const training = options.training ?? false;
    const labels = resolveLabels(where, options.labels, x.shape[0], this.numClasses);
    const [mean, logVar] = this.runEncoder(x, labels, training);
    const z =
      options.eps === undefined
        ? reparameterize(mean, logVar, { seed })
        : (tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), options.eps)) as tf.Tensor2D);
    const params = this.runDecoder(z, labels, training);
    return { logLik: this.likelihood.logProb(x, params), mean, logVar };
  }

  private runEncoder(x: tf.Tensor, labels: tf.Tensor2D | undefined, training: boolean): [tf.Tensor2D, tf.Tensor2D] {
    let out: unknown;
    if (isLayersModel(this.encoder)) {
      out = this.encoder.apply(labels ? [x, labels] : x, { training });
    } else {
      out = this.encoder(x, { training, labels });
    }
    if (Array.isArray(out) && out.length === 2) return out as [tf.Tensor2D, tf.Tensor2D];
    const o = out as { mean?: tf.Tensor2D; logVar?: tf.Tensor2D } | null;
    if (o?.mean && o.logVar) return [o.mean, o.logVar];
    throw new EncoderContractError(
      'VAE.encode: the encoder must return [mean, logVar] (or { mean, logVar }), each [batch, latentDim]. Return both tensors from the encoder.',
      { network: 'encoder' },
    );
  }

  private runDecoder(z: tf.Tensor, labels: tf.Tensor2D | undefined, training: boolean): tf.Tensor {
    if (isLayersModel(this.decoder)) {
      return this.decoder.apply(labels ? [z, labels] : z, { training }) as tf.Tensor;
    }
    return this.decoder(z, { training, labels });
  }

  private checkData(where: string, x: tf.Tensor, options: LossOptions): void {
    if (!(options.checkData ?? !options.training)) return;
    checkDataSupport(this, x, where);
    checkLabels(this, options.labels, where);
  }

  private checkEps(where: string, x: tf.Tensor, eps: tf.Tensor | undefined): void {
    if (eps === undefined) return;
    const batch = x.shape[0] as number;
    if (eps.rank !== 2 || eps.shape[0] !== batch || eps.shape[1] !== this.latentDim) {
      throw new ShapeError(
        `${where}: eps must have shape [${batch}, ${this.latentDim}] (one standard-normal row per example of x, latentDim ${this.latentDim}), got ${showShape(eps.shape)}. Draw it with tf.randomNormal([${batch}, ${this.latentDim}]).`,
        { argument: 'eps', expected: [batch, this.latentDim], got: eps.shape },
      );
    }
  }

  private assertAlive(method: string): void {
    if (this.disposed) {
      throw new DisposedError(
        `VAE.${method}: this VAE was disposed and its weights are gone. Build or load a new model (buildVAE, loadVAE).`,
        { method },
      );
    }
  }
}

function kindOf(m: unknown): string {
  return isLayersModel(m) ? 'LayersModel' : 'function';
}

function pickOne(labels: Labels | undefined): Labels | undefined {
  if (labels === undefined || typeof labels === 'number') return labels;
  if (Array.isArray(labels) && labels.length === 1) return labels[0] as number;
  throw new ConfigError(
    `VAE.interpolate: labels must be one class id (used for every step), e.g. { labels: 3 }, got ${show(labels)}.`,
    { field: 'labels', expected: 'one class id', got: labels },
  );
}
