import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { ADAM_UPDATE, type AdamUpdateAttrs, adamSimdFor } from '../wasm/adam.js';

/**
 * A tensor with the name an optimizer saves it under (tfjs's `NamedTensor`, which tfjs-core does
 * not export): what {@link VAEAdam.getWeights} returns and {@link VAEAdam.setWeights} takes.
 *
 * @category Training
 */
export interface NamedWeight {
  /** `iter`, or `<variable>/m`, `<variable>/v`. */
  name: string;
  /** The value. */
  tensor: tf.Tensor;
}

/** The moments of one variable, in the position the variable has in the gradient list. */
interface Moments {
  /** The names the moments are saved under (`<variable>/m`, `<variable>/v`). */
  mName: string;
  vName: string;
  m: tf.Variable;
  v: tf.Variable;
}

const f32 = Math.fround;

/**
 * The optimizer classes whose state and config are Adam's, and so interchangeable: tfjs's and ours
 * (`'VaeAdam'` is the name checkpoints written before the class was called `VAEAdam` carry).
 */
export const ADAM_CLASSES: readonly string[] = Object.freeze(['Adam', 'VAEAdam', 'VaeAdam']);

/**
 * Adam (Kingma & Ba, 2015) with the state and results of `tf.train.adam`, updating each variable
 * in one pass on the wasm backend: our SIMD kernel computes the new moments and value together,
 * where tfjs-core's `AdamOptimizer` runs fourteen elementwise kernels, each a full pass over the
 * variable. On any other backend (and for non-float32 variables) it runs the same formula as
 * tfjs's optimizer, op for op, so results are equal to float32 rounding everywhere.
 *
 * Its weights have the layout of tfjs's Adam (`iter`, then the first moments `<variable>/m` of
 * every variable, then the second moments `<variable>/v`), so checkpoints written with either
 * resume with the other; moments belong to variables by position in the gradient list, as in
 * tfjs. It is registered with tfjs serialization as `VAEAdam`. The training engines of
 * `@vae/backends` use it when `fit` makes the optimizer; a stock `tf.train.adam` passed to `fit`
 * still works, with tfjs's own update.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { useBackend, VAEAdam } from '@vae/backends';
 *
 * await useBackend('wasm');
 * const w = tf.variable(tf.tensor1d([1, 2, 3]));
 * const adam = new VAEAdam(0.1);
 * adam.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
 * w.print(); // each value moved by about 0.1 towards 0
 * ```
 * @see {@link https://arxiv.org/abs/1412.6980 | Kingma & Ba, Adam: A Method for Stochastic Optimization}
 * @category Training
 */
export class VAEAdam extends tf.Optimizer {
  /** The name this class is registered under with tfjs serialization. */
  static get className(): string {
    return 'VAEAdam';
  }

  /** The learning rate, applied at the next step. */
  learningRate: number;
  /** Decay of the first moment estimates. */
  readonly beta1: number;
  /** Decay of the second moment estimates. */
  readonly beta2: number;
  /** Added to the root of the second moment, against division by zero. */
  readonly epsilon: number;
  /** `beta1^t` and `beta2^t` in float32, as tfjs's optimizer keeps them. */
  private accBeta1: number;
  private accBeta2: number;
  private moments: (Moments | undefined)[] = [];

  /**
   * @param learningRate - The step size.
   * @param beta1 - Decay of the first moments. Default `0.9`.
   * @param beta2 - Decay of the second moments. Default `0.999`.
   * @param epsilon - Added to the denominator. Default: the backend's epsilon, as tfjs's Adam.
   * @throws `ConfigError` (from `@vae/core`) for a negative or non-finite learning rate, or betas outside [0, 1).
   */
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number | null) {
    super();
    const check = (field: string, value: number, ok: boolean, expected: string) => {
      if (!ok) {
        throw new ConfigError(`VAEAdam: ${field} must be ${expected}, got ${String(value)}.`, {
          field,
          expected,
          got: value,
        });
      }
    };
    check('learningRate', learningRate, Number.isFinite(learningRate) && learningRate >= 0, 'a finite number >= 0');
    check('beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
    check('beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon ?? tf.backend().epsilon();
    this.accBeta1 = f32(beta1);
    this.accBeta2 = f32(beta2);
  }

  /**
   * Sets the learning rate of the following steps (what schedules call).
   *
   * @param rate - The new rate.
   */
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }

  /**
   * Applies one Adam update to every variable with a gradient.
   *
   * @param variableGradients - Gradients by variable name (or as a list), as `computeGradients` returns them.
   * @throws `ShapeError` (from `@vae/core`) when a gradient's shape differs from its moments' (the
   * optimizer's state belongs to another model).
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedWeight[]): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const gradientOf = (name: string, i: number): tf.Tensor | undefined =>
      Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
    const fused = tf.getBackend() === 'wasm' && tf.getKernel(ADAM_UPDATE, 'wasm') !== undefined;
    const simd = fused && adamSimdFor(tf.backend()) !== null;
    const c1 = f32(1 - this.accBeta1);
    const c2 = f32(1 - this.accBeta2);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) {
          throw new ConfigError(`VAEAdam: no variable named '${name}' is registered; pass gradients of tf.Variables.`, {
            field: 'variableGradients',
            expected: 'gradients of registered variables',
            got: name,
          });
        }
        const moments = this.momentsOf(i, value);
        const gradient = gradientOf(name, i);
        if (gradient == null) return;
        if (!tf.util.arraysEqual(gradient.shape, moments.m.shape)) {
          throw new ShapeError(
            `VAEAdam: the gradient of '${name}' has shape [${gradient.shape.join(', ')}], but the optimizer's moments at position ${i} have shape [${moments.m.shape.join(', ')}]: its state belongs to another model. Use a fresh optimizer, or the checkpoint of this model.`,
            { argument: name, expected: moments.m.shape, got: gradient.shape },
          );
        }
        if (simd && value.dtype === 'float32' && gradient.dtype === 'float32') {
          const attrs: AdamUpdateAttrs = {
            beta1: this.beta1,
            beta2: this.beta2,
            learningRate: this.learningRate,
            epsilon: this.epsilon,
            oneMinusAccBeta1: c1,
            oneMinusAccBeta2: c2,
          };
          const [newValue, newM, newV] = tf
            .engine()
            .runKernel(
              ADAM_UPDATE,
              { value, m: moments.m, v: moments.v, gradient },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
          moments.m.assign(newM as tf.Tensor);
          moments.v.assign(newV as tf.Tensor);
          value.assign(newValue as tf.Tensor);
          return;
        }
        // tfjs-core's AdamOptimizer, op for op.
        const newM = tf.add(tf.mul(moments.m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(moments.v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const mHat = tf.div(newM, tf.scalar(c1));
        const vHat = tf.div(newV, tf.scalar(c2));
        moments.m.assign(newM);
        moments.v.assign(newV);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value));
      });
    });
    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
    this.incrementIterations();
  }

  private momentsOf(i: number, value: tf.Variable): Moments {
    let moments = this.moments[i];
    if (moments === undefined) {
      moments = {
        mName: `${value.name}/m`,
        vName: `${value.name}/v`,
        m: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      this.moments[i] = moments;
    }
    return moments;
  }

  /** Releases the moments. */
  override dispose(): void {
    super.dispose();
    tf.dispose(this.moments.flatMap((m) => (m ? [m.m, m.v] : [])));
    this.moments = [];
  }

  /**
   * The optimizer's state in tfjs Adam's layout: `iter`, then the first moments, then the second.
   *
   * @returns Named tensors; `iter` is a new tensor, the moments are the optimizer's own variables.
   */
  override async getWeights(): Promise<NamedWeight[]> {
    const present = this.moments.filter((m): m is Moments => m !== undefined);
    return [
      await this.saveIterations(),
      ...present.map((m) => ({ name: m.mName, tensor: m.m })),
      ...present.map((m) => ({ name: m.vName, tensor: m.v })),
    ];
  }

  /**
   * Loads a state written by {@link VAEAdam.getWeights} or by tfjs's Adam (a checkpoint of either).
   *
   * @param weightValues - `iter` and the moments, in tfjs Adam's layout.
   * @throws `ConfigError` (from `@vae/core`) when the moments are not pairs of first and second moments.
   */
  override async setWeights(weightValues: NamedWeight[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % 2 !== 0) {
      throw new ConfigError(
        `VAEAdam.setWeights: expected the first and second moments of every variable (an even count after 'iter'), got ${rest.length} tensors. Pass the weights of an Adam optimizer.`,
        { field: 'weightValues', expected: 'an even number of moments', got: rest.length },
      );
    }
    const n = rest.length / 2;
    tf.dispose(this.moments.flatMap((m) => (m ? [m.m, m.v] : [])));
    this.moments = Array.from({ length: n }, (_, i) => {
      const first = rest[i] as NamedWeight;
      const second = rest[n + i] as NamedWeight;
      return {
        mName: first.name,
        vName: second.name,
        m: tf.variable(first.tensor, false),
        v: tf.variable(second.tensor, false),
      };
    });
    // As tfjs's Adam: the accumulated betas follow from the iteration count.
    this.accBeta1 = f32(f32(this.beta1) ** (this.iterations_ + 1));
    this.accBeta2 = f32(f32(this.beta2) ** (this.iterations_ + 1));
  }

  /** @returns `{ learningRate, beta1, beta2, epsilon }`, as tfjs's Adam. */
  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  /**
   * Makes a `VAEAdam` from a config written by {@link VAEAdam.getConfig} (or tfjs Adam's).
   *
   * @param cls - The class (tfjs serialization passes it).
   * @param config - The config.
   * @returns The optimizer.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon) as T;
  }
}

tf.serialization.registerClass(VAEAdam);
