import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeError } from '@vae/core';
import { type BaseLayerArgs, pairOfShapes, show, showShape } from '../internal/index.js';

/**
 * Constructor arguments of {@link LabelConditioning}, beside the usual layer arguments.
 *
 * @category Layers
 */
export interface LabelConditioningArgs extends BaseLayerArgs {
  /** Number of classes (at least 2): the width of the one-hot code appended to the input. */
  numClasses: number;
}

/**
 * Appends a one-hot class label to an input, for conditional models: inputs `[x, label]`,
 * output `x` with `numClasses` more channels on its last axis.
 *
 * - Flat `x` `[batch, d]` -> `[batch, d + numClasses]`.
 * - Spatial `x` `[batch, h, w, c]` -> `[batch, h, w, c + numClasses]`: the code is tiled over
 *   height and width (and likewise over every middle axis, e.g. time for `[batch, t, f]`).
 *
 * `label` is integer class ids `[batch]` or `[batch, 1]` (any numeric dtype; values are
 * truncated to integers; ids outside `[0, numClasses)` give an all-zero code) or one-hot
 * `[batch, numClasses]` (used as given). In a model fed through `model.predict`, declare a label
 * input of ids as `tfl.input({ shape: [1] })` and feed `[batch, 1]`: tfjs's `predict` reshapes
 * rank-1 inputs to `[batch, 1]`, so an input of shape `[]` cannot be fed there. It has no weights. Saved in Keras JSON as class
 * `VaeLabelConditioning` with config key `num_classes`.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { labelConditioning } from '@vae/layers';
 *
 * const cond = labelConditioning({ numClasses: 10 });
 * const images = tf.zeros([2, 8, 8, 1]);
 * const out = cond.apply([images, tf.tensor1d([3, 7], 'int32')]) as tf.Tensor; // [2, 8, 8, 11]
 * console.log(out.shape);
 * ```
 * @category Layers
 */
export class LabelConditioning extends tfl.layers.Layer {
  /** The name under which the class is registered and saved. */
  static readonly className = 'VaeLabelConditioning';
  /** Number of classes. */
  readonly numClasses: number;

  /**
   * @param args - `numClasses` (required) and the usual layer arguments.
   * @throws `ConfigError` unless `numClasses` is an integer >= 2.
   */
  constructor(args: LabelConditioningArgs) {
    super(args);
    const n = args?.numClasses;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) {
      throw new ConfigError(
        `LabelConditioning: numClasses must be an integer >= 2, got ${show(n)}. Pass e.g. { numClasses: 10 }.`,
        { field: 'numClasses', expected: 'an integer >= 2', got: n },
      );
    }
    this.numClasses = n;
  }

  /**
   * The output shape: `x`'s shape with `numClasses` added to its last axis.
   *
   * @param inputShape - `[xShape, labelShape]`.
   * @returns `[batch, ..., channels + numClasses]`.
   * @throws `ShapeError` for a missing input, a rank-1 `x`, or a label that is neither ids nor one-hot.
   */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [x] = this.checkShapes(inputShape);
    const last = x[x.length - 1];
    return [...x.slice(0, -1), last == null ? null : last + this.numClasses];
  }

  /**
   * Concatenates. Runs inside `tf.tidy`; the inputs are not disposed.
   *
   * @param inputs - `[x, label]`.
   * @returns `[batch, ..., channels + numClasses]` (new tensor).
   */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const [, labelKind] = this.checkShapes(list.map((t) => t.shape));
      const [x, label] = list as [tf.Tensor, tf.Tensor];
      const batch = x.shape[0];
      const oneHot =
        labelKind === 'ids'
          ? tf.cast(tf.oneHot(tf.cast(tf.reshape(label, [-1]), 'int32') as tf.Tensor1D, this.numClasses), x.dtype)
          : tf.cast(label, x.dtype);
      const middle = x.shape.slice(1, -1);
      const code = tf.broadcastTo(tf.reshape(oneHot, [batch, ...middle.map(() => 1), this.numClasses]), [
        batch,
        ...middle,
        this.numClasses,
      ]);
      return tf.concat([x, code], x.rank - 1);
    });
  }

  /**
   * The layer's config: the base layer's fields plus `numClasses`.
   *
   * @returns A JSON-serializable config.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numClasses: this.numClasses };
  }

  private checkShapes(shapes: tfl.Shape | tfl.Shape[]): [tfl.Shape, 'ids' | 'one-hot'] {
    const where = 'LabelConditioning';
    const pair = pairOfShapes(shapes);
    if (pair === undefined) {
      throw new ShapeError(
        `${where}: expected two inputs [x, label], got ${show(shapes)}. Call it as labelConditioning({ numClasses }).apply([x, label]).`,
        { argument: 'inputs', expected: [null, null], got: [] },
      );
    }
    const [x, label] = pair;
    if (x.length < 2) {
      throw new ShapeError(
        `${where}: x must have a batch axis and at least one more, e.g. [batch, d] or [batch, h, w, c], got ${showShape(x)}.`,
        { argument: 'x', expected: [null, null], got: x.map((d) => d ?? -1) },
      );
    }
    if (label.length === 1 || (label.length === 2 && label[1] === 1)) return [x, 'ids'];
    if (label.length === 2 && label[1] === this.numClasses) return [x, 'one-hot'];
    throw new ShapeError(
      `${where}: label must be class ids [batch] or [batch, 1], or one-hot [batch, ${this.numClasses}], got ${showShape(label)}. Check numClasses (${this.numClasses}).`,
      { argument: 'label', expected: [null, this.numClasses], got: label.map((d) => d ?? -1) },
    );
  }
}

/**
 * Makes a {@link LabelConditioning} layer: `[x, label]` -> `x` with a one-hot label appended.
 *
 * @param args - `numClasses` (required) and the usual layer arguments.
 * @returns A new layer; apply it to `[x, label]`.
 * @throws `ConfigError` unless `numClasses` is an integer >= 2.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { labelConditioning } from '@vae/layers';
 *
 * const z = tfl.input({ shape: [2] });
 * const label = tfl.input({ shape: [10] }); // one-hot
 * const h = labelConditioning({ numClasses: 10 }).apply([z, label]) as tfl.SymbolicTensor;
 * console.log(h.shape); // [null, 12]
 * ```
 * @category Layers
 */
export function labelConditioning(args: LabelConditioningArgs): LabelConditioning {
  return new LabelConditioning(args);
}

tf.serialization.registerClass(LabelConditioning);
