import { ConfigError } from '@vae/core';
import { ArraySource, type NumericArray } from './array-source.js';
import type { Dataset } from './dataset.js';
import { elementSize } from './example-source.js';
import { IndexedDataset } from './indexed-dataset.js';
import { type PixelOptions, resolvePixelOptions } from './pixel-options.js';

/**
 * Examples and labels in plain arrays, for {@link datasetFromArrays}.
 *
 * @category Datasets
 */
export interface ArrayDatasetOptions extends PixelOptions {
  /** Every example's values one after the other: `size * product(shape)` numbers. 8-bit arrays are treated as pixels (see `normalize`). */
  x: NumericArray;
  /** Shape of one example, e.g. `[28, 28, 1]` or `[784]`. With `flatten`, examples are given flat whatever this says. */
  shape: readonly number[];
  /**
   * Class of each example (integers >= 0), or nothing for unlabelled data.
   * @defaultValue undefined
   */
  labels?: ArrayLike<number> | undefined;
  /**
   * Names of the classes, indexed by label.
   * @defaultValue undefined
   */
  classNames?: readonly string[] | undefined;
}

/**
 * Makes a {@link Dataset} from examples held in memory (a typed array or a plain array).
 *
 * @param options - The arrays, the element shape and the pixel options.
 * @returns A dataset over the arrays; the arrays are kept, not copied, so do not modify them.
 * @throws `ConfigError` when the shape is not positive integers, the values do not
 *   fill whole examples, or labels and examples differ in count or labels are not valid classes.
 *
 * @example
 * ```ts
 * import { datasetFromArrays } from '@vae/datasets';
 *
 * const ds = datasetFromArrays({ x: new Float32Array(10 * 4), shape: [4], labels: new Int32Array(10) });
 * console.log(ds.size, ds.elementShape); // 10 [4]
 * ```
 *
 * @category Datasets
 */
export function datasetFromArrays(options: ArrayDatasetOptions): Dataset {
  const where = 'datasetFromArrays';
  const pixels = resolvePixelOptions(options, where);
  const { x, shape, classNames } = options;
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(
      `${where}: shape must be a list of positive integers, got [${shape.join(', ')}]. Pass e.g. { shape: [28, 28, 1] }.`,
      {
        field: 'shape',
        expected: 'positive integers',
        got: shape,
      },
    );
  }
  const stride = elementSize(shape);
  if (x.length % stride !== 0) {
    throw new ConfigError(
      `${where}: x holds ${x.length} values, which is not a whole number of examples of shape [${shape.join(', ')}] (${stride} values each).`,
      { field: 'x', expected: `a multiple of ${stride} values`, got: x.length },
    );
  }
  const size = x.length / stride;
  let labels: Int32Array | undefined;
  if (options.labels !== undefined) {
    if (options.labels.length !== size) {
      throw new ConfigError(
        `${where}: ${options.labels.length} labels for ${size} examples; give one label per example.`,
        {
          field: 'labels',
          expected: `${size} labels`,
          got: options.labels.length,
        },
      );
    }
    labels = Int32Array.from(options.labels);
    const limit = classNames?.length ?? Number.POSITIVE_INFINITY;
    const bad = Array.from(options.labels).findIndex((l) => !Number.isInteger(l) || l < 0 || l >= limit);
    if (bad >= 0) {
      throw new ConfigError(
        `${where}: label ${String(options.labels[bad])} at example ${bad} is not a class index in [0, ${limit}).`,
        { field: 'labels', expected: `integers in [0, ${limit})`, got: options.labels[bad] },
      );
    }
  }
  const elementShape = pixels.flatten ? [stride] : [...shape];
  return new IndexedDataset(new ArraySource(x, elementShape, labels, classNames, pixels));
}
