import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients in Node (tfjs-core alone has none)
import { ConfigError, ShapeError } from '../errors/index.js';
import { checkChoice, checkInteger, showShape } from '../internal/index.js';

/**
 * How to walk between two latent vectors: a straight line, or along the great circle
 * (spherical, which keeps the norm typical of Gaussian samples in high dimensions).
 *
 * @category Sampling
 */
export type InterpolationMethod = 'linear' | 'spherical';

/**
 * Options of {@link interpolateLatents}.
 *
 * @category Sampling
 */
export interface InterpolateOptions {
  /** The path between the two points. @defaultValue `'linear'` */
  method?: InterpolationMethod;
}

function asVector(where: string, name: string, t: tf.Tensor): tf.Tensor1D {
  if (t.rank === 1) return t as tf.Tensor1D;
  if (t.rank === 2 && t.shape[0] === 1) return tf.reshape(t, [t.shape[1] as number]) as tf.Tensor1D;
  throw new ShapeError(
    `${where}: ${name} must be one latent vector, [latentDim] or [1, latentDim], got ${showShape(t.shape)}. Pick one row with tf.slice.`,
    { argument: name, expected: [null], got: t.shape },
  );
}

/**
 * Points between two latent vectors, both ends included.
 *
 * Spherical interpolation: `sin((1-t) w) / sin(w) * a + sin(t w) / sin(w) * b` with `w` the
 * angle between `a` and `b`; where `a` and `b` are (nearly) parallel it falls back to linear.
 * Everything stays on the device (no read-back).
 *
 * @param a - Start, `[latentDim]` or `[1, latentDim]`.
 * @param b - End, same shape.
 * @param steps - Number of points (>= 2).
 * @param options - `method`, linear by default.
 * @returns `[steps, latentDim]` (new tensor).
 * @throws {@link ShapeError} when `a` and `b` are not single vectors of one size.
 * @throws {@link ConfigError} for `steps < 2` or an unknown method.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { interpolateLatents } from '@vae/core';
 * const path = interpolateLatents(tf.tensor1d([1, 0]), tf.tensor1d([0, 1]), 5, { method: 'spherical' });
 * ```
 * @category Sampling
 */
export function interpolateLatents(
  a: tf.Tensor,
  b: tf.Tensor,
  steps: number,
  options: InterpolateOptions = {},
): tf.Tensor2D {
  const where = 'interpolateLatents';
  checkInteger(where, 'steps', steps, 2, 'interpolateLatents(a, b, 8)');
  const method = checkChoice(where, 'method', options.method ?? 'linear', ['linear', 'spherical']);
  return tf.tidy(() => {
    const va = asVector(where, 'a', a);
    const vb = asVector(where, 'b', b);
    if (va.shape[0] !== vb.shape[0]) {
      throw new ShapeError(
        `${where}: a and b must have the same size, got ${showShape(va.shape)} and ${showShape(vb.shape)}.`,
        { argument: 'b', expected: va.shape, got: vb.shape },
      );
    }
    const t = tf.reshape(tf.linspace(0, 1, steps), [steps, 1]);
    const linearWeights: [tf.Tensor, tf.Tensor] = [tf.sub(1, t), t];
    let wa = linearWeights[0];
    let wb = linearWeights[1];
    if (method === 'spherical') {
      const cos = tf.clipByValue(
        tf.div(tf.sum(tf.mul(va, vb)), tf.add(tf.mul(tf.norm(va), tf.norm(vb)), 1e-12)),
        -1,
        1,
      );
      const omega = tf.acos(cos);
      const sinOmega = tf.sin(omega);
      const safeSin = tf.maximum(sinOmega, 1e-6);
      const nearlyParallel = tf.less(sinOmega, 1e-6);
      wa = tf.where(
        tf.broadcastTo(nearlyParallel, [steps, 1]),
        linearWeights[0],
        tf.div(tf.sin(tf.mul(tf.sub(1, t), omega)), safeSin),
      );
      wb = tf.where(
        tf.broadcastTo(nearlyParallel, [steps, 1]),
        linearWeights[1],
        tf.div(tf.sin(tf.mul(t, omega)), safeSin),
      );
    }
    return tf.add(tf.mul(wa, va), tf.mul(wb, vb)) as tf.Tensor2D;
  });
}

/**
 * Values to sweep one latent dimension through: an explicit list, or `steps` evenly spaced
 * values from `min` to `max`.
 *
 * @category Sampling
 */
export type TraversalValues =
  | readonly number[]
  | {
      /** First value. */
      min: number;
      /** Last value. */
      max: number;
      /** Number of values, ends included. */
      steps: number;
    };

/**
 * A latent traversal: copies of `z` in which one dimension takes each of `values` in turn
 * (the others stay fixed), for pictures of what one dimension encodes.
 *
 * @param z - The base point, `[latentDim]` or `[1, latentDim]`.
 * @param dimension - The dimension to vary, 0-based.
 * @param values - The values; e.g. `{ min: -3, max: 3, steps: 7 }`.
 * @returns `[values.length, latentDim]` (new tensor).
 * @throws {@link ConfigError} for a dimension outside `[0, latentDim)` or fewer than one value.
 * @throws {@link ShapeError} when `z` is not a single vector.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { traverseLatent } from '@vae/core';
 * const zs = traverseLatent(tf.zeros([4]), 1, { min: -3, max: 3, steps: 7 }); // [7, 4]
 * ```
 * @category Sampling
 */
export function traverseLatent(z: tf.Tensor, dimension: number, values: TraversalValues): tf.Tensor2D {
  const where = 'traverseLatent';
  let list: number[];
  if (Array.isArray(values)) {
    list = [...(values as number[])];
    checkInteger(where, 'values.length', list.length, 1, '[-2, 0, 2]');
  } else {
    const v = values as { min: number; max: number; steps: number };
    checkInteger(where, 'values.steps', v.steps, 1, '{ min: -3, max: 3, steps: 7 }');
    list = Array.from({ length: v.steps }, (_, i) =>
      v.steps === 1 ? v.min : v.min + ((v.max - v.min) * i) / (v.steps - 1),
    );
  }
  return tf.tidy(() => {
    const base = asVector(where, 'z', z);
    const latentDim = base.shape[0];
    checkInteger(where, 'dimension', dimension, 0, `traverseLatent(z, 0, values) (latentDim is ${latentDim})`);
    if (dimension >= latentDim) {
      throw new ConfigError(
        `${where}: dimension must be below latentDim ${latentDim}, got ${dimension}. Pass a dimension in [0, ${latentDim - 1}].`,
        { field: 'dimension', expected: `an integer in [0, ${latentDim - 1}]`, got: dimension },
      );
    }
    const n = list.length;
    const mask = tf.reshape(tf.oneHot(tf.tensor1d([dimension], 'int32'), latentDim), [1, latentDim]);
    const tiled = tf.mul(tf.broadcastTo(base, [n, latentDim]), tf.sub(1, mask));
    return tf.add(tiled, tf.mul(tf.reshape(tf.tensor1d(list), [n, 1]), mask)) as tf.Tensor2D;
  });
}
