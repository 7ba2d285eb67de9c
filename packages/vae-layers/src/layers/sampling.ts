import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, reparameterize, ShapeError } from '@vae/core';
import { type BaseLayerArgs, pairOfShapes, show, showShape } from '../internal/index.js';

/**
 * Constructor arguments of {@link Sampling}, beside the usual layer arguments (`name`, ...).
 *
 * @category Layers
 */
export interface SamplingArgs extends BaseLayerArgs {
  /**
   * Seed of the noise. With a seed, the layer's k-th call (k = 0, 1, 2, ...) draws its noise
   * with seed `seed + k`, as `reparameterize` does with `{ seed: seed + k }`: a fresh but
   * reproducible draw each call, and a loaded model starts the sequence again at `seed`.
   * Without a seed, each call draws fresh noise.
   *
   * @defaultValue undefined (unseeded)
   */
  seed?: number;
  /**
   * Return `mean` (no noise) when the layer runs outside training, e.g. in `model.predict`,
   * which gives deterministic reconstructions. Training calls always sample.
   *
   * @defaultValue false (always sample, as the reparameterization trick does)
   */
  meanAtInference?: boolean;
}

/**
 * The reparameterization trick as a layer: `[mean, logVar]` -> `z = mean + exp(logVar / 2) * eps`
 * with `eps ~ N(0, I)`, differentiable with respect to both inputs. It has no weights.
 *
 * Shapes: inputs `[batch, latentDim]` each; output `[batch, latentDim]`. Saved in Keras JSON as
 * class `VaeSampling` with config keys `seed` and `mean_at_inference`; a Keras model that reads
 * the JSON needs a Python layer of that name (see the package README).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { sampling } from '@vae/layers';
 *
 * const mean = tfl.input({ shape: [2] });
 * const logVar = tfl.input({ shape: [2] });
 * const z = sampling({ seed: 1 }).apply([mean, logVar]) as tfl.SymbolicTensor;
 * const model = tfl.model({ inputs: [mean, logVar], outputs: z });
 * const out = model.predict([tf.zeros([3, 2]), tf.fill([3, 2], -30)]) as tf.Tensor; // ~= mean
 * out.print();
 * ```
 * @category Layers
 */
export class Sampling extends tfl.layers.Layer {
  /** The name under which the class is registered and saved. */
  static readonly className = 'VaeSampling';
  /** The seed, if any (see {@link SamplingArgs.seed}). */
  readonly seed: number | undefined;
  /** Whether inference calls return the mean. */
  readonly meanAtInference: boolean;
  private calls = 0;

  /**
   * @param args - `seed`, `meanAtInference`, and the usual layer arguments.
   * @throws `ConfigError` for a non-finite seed.
   */
  constructor(args: SamplingArgs = {}) {
    super(args);
    if (args.seed != null && (typeof args.seed !== 'number' || !Number.isFinite(args.seed))) {
      throw new ConfigError(`Sampling: seed must be a finite number, got ${show(args.seed)}. Pass e.g. { seed: 42 }.`, {
        field: 'seed',
        expected: 'a finite number',
        got: args.seed,
      });
    }
    this.seed = args.seed ?? undefined;
    this.meanAtInference = args.meanAtInference ?? false;
  }

  /**
   * The output shape: the shape of `mean`.
   *
   * @param inputShape - `[[batch, latentDim], [batch, latentDim]]`.
   * @returns `[batch, latentDim]`.
   * @throws `ShapeError` unless given two equal shapes.
   */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return checkPair(inputShape);
  }

  /**
   * Draws `z`. Runs inside `tf.tidy`; the inputs are not disposed.
   *
   * @param inputs - `[mean, logVar]`, each `[batch, latentDim]`.
   * @param kwargs - `training`: when false and `meanAtInference` is set, returns a copy of `mean`.
   * @returns `z`, `[batch, latentDim]` (new tensor).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      checkPair(list.map((t) => t.shape));
      const [mean, logVar] = list as [tf.Tensor, tf.Tensor];
      if (this.meanAtInference && kwargs?.['training'] !== true) return tf.clone(mean);
      const seed = this.seed === undefined ? undefined : this.seed + this.calls;
      this.calls += 1;
      return reparameterize(mean, logVar, { seed });
    });
  }

  /**
   * The layer's config: the base layer's fields plus `seed` (or `null`) and `meanAtInference`.
   *
   * @returns A JSON-serializable config.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed ?? null, meanAtInference: this.meanAtInference };
  }
}

function checkPair(shapes: tfl.Shape | tfl.Shape[]): tfl.Shape {
  const pair = pairOfShapes(shapes);
  if (pair === undefined) {
    throw new ShapeError(
      `Sampling: expected two inputs [mean, logVar], each [batch, latentDim], got ${show(shapes)}. Call it as sampling().apply([mean, logVar]).`,
      { argument: 'inputs', expected: [null, null], got: [] },
    );
  }
  const [a, b] = pair;
  if (a.length !== b.length || a.some((d, i) => d != null && b[i] != null && d !== b[i])) {
    throw new ShapeError(
      `Sampling: mean and logVar must have the same shape, got ${showShape(a)} and ${showShape(b)}. Feed both outputs of one Gaussian head.`,
      { argument: 'logVar', expected: a, got: b.map((d) => d ?? -1) },
    );
  }
  return [...a];
}

/**
 * Makes a {@link Sampling} layer: `z = mean + exp(logVar / 2) * eps`.
 *
 * @param args - `seed`, `meanAtInference`, and the usual layer arguments.
 * @returns A new layer; apply it to `[mean, logVar]`.
 * @throws `ConfigError` for a non-finite seed.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { sampling } from '@vae/layers';
 *
 * const z = sampling({ seed: 3 }).apply([tf.zeros([2, 4]), tf.zeros([2, 4])]) as tf.Tensor; // [2, 4]
 * z.print();
 * ```
 * @category Layers
 */
export function sampling(args: SamplingArgs = {}): Sampling {
  return new Sampling(args);
}

tf.serialization.registerClass(Sampling);
