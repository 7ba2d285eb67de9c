import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeError } from '@vae/core';
import { type BaseLayerArgs, show, showShape, singleShape } from '../internal/index.js';

/**
 * How {@link GaussianHead} keeps the log-variance inside `logVarBounds`:
 * - `'tanh'`: `min + (max - min) * (tanh(raw) + 1) / 2`, smooth, with a gradient everywhere;
 * - `'clip'`: `clip(raw, min, max)`, exact inside the bounds, no gradient outside them.
 *
 * @category Layers
 */
export type LogVarBoundMethod = 'tanh' | 'clip';

/**
 * Constructor arguments of {@link GaussianHead}, beside the usual layer arguments (`name`, ...).
 *
 * @category Layers
 */
export interface GaussianHeadArgs extends BaseLayerArgs {
  /** Size of the latent space: the width of each output. Required, a positive integer. */
  latentDim: number;
  /**
   * Bounds `[min, max]` of the log-variance, with `min < max`, e.g. `[-10, 4]`; they keep
   * `exp(logVar)` from overflowing or collapsing early in training.
   *
   * @defaultValue undefined (unbounded: the log-variance is a plain affine map)
   */
  logVarBounds?: [number, number];
  /**
   * How the bounds are applied; see {@link LogVarBoundMethod}. Ignored without `logVarBounds`.
   *
   * @defaultValue `'tanh'`
   */
  boundMethod?: LogVarBoundMethod;
  /**
   * Seed of the Glorot-uniform initializer of the two kernels (the biases start at zero).
   *
   * @defaultValue undefined (fresh random initial weights)
   */
  kernelSeed?: number;
}

/**
 * Maps features `[batch, features]` to the parameters `[mean, logVar]` of a diagonal Gaussian,
 * each `[batch, latentDim]`, with two affine maps (two Dense heads in one layer):
 * `mean = x W_m + b_m`, `logVar = bound(x W_v + b_v)`.
 *
 * Weights, in order: `mean_kernel` `[features, latentDim]`, `mean_bias` `[latentDim]`,
 * `log_var_kernel`, `log_var_bias`. Saved in Keras JSON as class `VaeGaussianHead` with config
 * keys `latent_dim`, `log_var_bounds` (`null` or `[min, max]`), `bound_method`, `kernel_seed`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { gaussianHead, sampling } from '@vae/layers';
 *
 * const x = tfl.input({ shape: [784] });
 * const h = tfl.layers.dense({ units: 64, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
 * const [mean, logVar] = gaussianHead({ latentDim: 2, logVarBounds: [-10, 4] }).apply(h) as tfl.SymbolicTensor[];
 * const z = sampling().apply([mean, logVar]) as tfl.SymbolicTensor;
 * const encoder = tfl.model({ inputs: x, outputs: [mean, logVar, z], name: 'encoder' });
 * encoder.summary();
 * ```
 * @category Layers
 */
export class GaussianHead extends tfl.layers.Layer {
  /** The name under which the class is registered and saved. */
  static readonly className = 'VaeGaussianHead';
  /** Width of each output. */
  readonly latentDim: number;
  /** Bounds of the log-variance, if any. */
  readonly logVarBounds: [number, number] | undefined;
  /** How the bounds are applied. */
  readonly boundMethod: LogVarBoundMethod;
  /** Seed of the kernels' initializer, if any. */
  readonly kernelSeed: number | undefined;
  private meanKernel: tfl.LayerVariable | undefined;
  private meanBias: tfl.LayerVariable | undefined;
  private logVarKernel: tfl.LayerVariable | undefined;
  private logVarBias: tfl.LayerVariable | undefined;

  /**
   * @param args - `latentDim` (required), `logVarBounds`, `boundMethod`, `kernelSeed`, and the
   *   usual layer arguments.
   * @throws `ConfigError` for a bad `latentDim`, bounds or bound method.
   */
  constructor(args: GaussianHeadArgs) {
    super(args);
    const where = 'GaussianHead';
    const latentDim = args?.latentDim;
    if (typeof latentDim !== 'number' || !Number.isInteger(latentDim) || latentDim < 1) {
      throw new ConfigError(
        `${where}: latentDim must be a positive integer, got ${show(latentDim)}. Pass e.g. { latentDim: 16 }.`,
        { field: 'latentDim', expected: 'a positive integer', got: latentDim },
      );
    }
    const bounds = args.logVarBounds ?? undefined;
    if (
      bounds !== undefined &&
      (!Array.isArray(bounds) ||
        bounds.length !== 2 ||
        !bounds.every((b) => typeof b === 'number' && Number.isFinite(b)) ||
        !(bounds[0] < bounds[1]))
    ) {
      throw new ConfigError(
        `${where}: logVarBounds must be [min, max] with finite min < max, got ${show(bounds)}. Pass e.g. { logVarBounds: [-10, 4] }.`,
        { field: 'logVarBounds', expected: '[min, max] with min < max', got: bounds },
      );
    }
    const method = args.boundMethod ?? 'tanh';
    if (method !== 'tanh' && method !== 'clip') {
      throw new ConfigError(`${where}: boundMethod must be 'tanh' or 'clip', got ${show(method)}.`, {
        field: 'boundMethod',
        expected: "'tanh' | 'clip'",
        got: method,
      });
    }
    if (args.kernelSeed != null && !Number.isFinite(args.kernelSeed)) {
      throw new ConfigError(`${where}: kernelSeed must be a finite number, got ${show(args.kernelSeed)}.`, {
        field: 'kernelSeed',
        expected: 'a finite number',
        got: args.kernelSeed,
      });
    }
    this.latentDim = latentDim;
    this.logVarBounds = bounds === undefined ? undefined : [bounds[0], bounds[1]];
    this.boundMethod = method;
    this.kernelSeed = args.kernelSeed ?? undefined;
  }

  /**
   * Creates the four weights for inputs of `inputShape`.
   *
   * @param inputShape - `[batch, features]`.
   * @throws `ShapeError` unless the input is rank 2 with a known feature size.
   */
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const features = featuresOf(inputShape);
    const seed = this.kernelSeed;
    const glorot = (offset: number) =>
      tfl.initializers.glorotUniform(seed === undefined ? {} : { seed: seed + offset });
    const zeros = tfl.initializers.zeros();
    this.meanKernel = this.addWeight('mean_kernel', [features, this.latentDim], 'float32', glorot(0));
    this.meanBias = this.addWeight('mean_bias', [this.latentDim], 'float32', zeros);
    this.logVarKernel = this.addWeight('log_var_kernel', [features, this.latentDim], 'float32', glorot(1));
    this.logVarBias = this.addWeight('log_var_bias', [this.latentDim], 'float32', zeros);
    this.built = true;
  }

  /**
   * The output shapes.
   *
   * @param inputShape - `[batch, features]`.
   * @returns `[[batch, latentDim], [batch, latentDim]]`.
   * @throws `ShapeError` unless the input is rank 2.
   */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    featuresOf(inputShape);
    const batch = singleShape(inputShape)[0] ?? null;
    return [
      [batch, this.latentDim],
      [batch, this.latentDim],
    ];
  }

  /**
   * Computes `[mean, logVar]`. Runs inside `tf.tidy`; the input is not disposed.
   *
   * @param inputs - Features, `[batch, features]`.
   * @returns `[mean, logVar]`, each `[batch, latentDim]` (new tensors).
   */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const mean = tf.add(tf.matMul(x, this.meanKernel!.read() as tf.Tensor2D), this.meanBias!.read());
      const raw = tf.add(tf.matMul(x, this.logVarKernel!.read() as tf.Tensor2D), this.logVarBias!.read());
      return [mean, this.bound(raw)];
    });
  }

  /**
   * The layer's config: the base layer's fields plus `latentDim`, `logVarBounds` (or `null`),
   * `boundMethod` and `kernelSeed` (or `null`).
   *
   * @returns A JSON-serializable config.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      latentDim: this.latentDim,
      logVarBounds: this.logVarBounds ? [...this.logVarBounds] : null,
      boundMethod: this.boundMethod,
      kernelSeed: this.kernelSeed ?? null,
    };
  }

  private bound(raw: tf.Tensor): tf.Tensor {
    if (this.logVarBounds === undefined) return raw;
    const [min, max] = this.logVarBounds;
    if (this.boundMethod === 'clip') return tf.clipByValue(raw, min, max);
    return tf.add(min, tf.mul((max - min) / 2, tf.add(tf.tanh(raw), 1)));
  }
}

function featuresOf(inputShape: tfl.Shape | tfl.Shape[]): number {
  const shape = singleShape(inputShape);
  const features = shape[shape.length - 1];
  if (shape.length !== 2 || features == null) {
    throw new ShapeError(
      `GaussianHead: expected features [batch, features] with a known feature size, got ${showShape(shape)}. Add a Flatten (or Dense) layer before the head.`,
      { argument: 'inputs', expected: [null, null], got: shape.map((d) => d ?? -1) },
    );
  }
  return features;
}

/**
 * Makes a {@link GaussianHead} layer: features -> `[mean, logVar]`.
 *
 * @param args - `latentDim` (required), `logVarBounds`, `boundMethod`, `kernelSeed`, and the
 *   usual layer arguments.
 * @returns A new layer; apply it to features `[batch, features]`.
 * @throws `ConfigError` for a bad `latentDim`, bounds or bound method.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gaussianHead } from '@vae/layers';
 *
 * const head = gaussianHead({ latentDim: 3, logVarBounds: [-6, 2], boundMethod: 'clip' });
 * const [mean, logVar] = head.apply(tf.ones([5, 8])) as tf.Tensor[]; // each [5, 3]
 * logVar.print();
 * ```
 * @category Layers
 */
export function gaussianHead(args: GaussianHeadArgs): GaussianHead {
  return new GaussianHead(args);
}

tf.serialization.registerClass(GaussianHead);
