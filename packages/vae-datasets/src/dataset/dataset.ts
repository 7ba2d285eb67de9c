import type * as tf from '@tensorflow/tfjs-core';
import type { Batch as TrainingBatch } from '@vae/core';

/**
 * One batch of examples, as yielded by {@link Dataset.batches}: `@vae/core`'s
 * {@link @vae/core!Batch} with class ids as labels. `x` holds the examples, float32,
 * `[batch, ...elementShape]` (e.g. `[batch, 28, 28, 1]`); `labels` the class of each example,
 * int32, `[batch]`, or `undefined` for unlabelled datasets.
 *
 * Ownership: both tensors are new and belong to the consumer, which must dispose them
 * (`tf.dispose(batch)` or `tf.dispose([batch.x, batch.labels])`) once the step is done. The
 * dataset never keeps a reference to a tensor it has handed out.
 *
 * @category Datasets
 */
export type Batch = TrainingBatch<tf.Tensor1D>;

/**
 * All examples of a dataset at once, from {@link Dataset.toTensors}. The caller owns and
 * disposes both tensors.
 *
 * @category Datasets
 */
export type DatasetTensors = {
  /** The examples, float32, `[size, ...elementShape]`. */
  x: tf.Tensor;
  /** The classes, int32, `[size]`; `undefined` for unlabelled datasets. */
  labels: tf.Tensor1D | undefined;
};

/**
 * How {@link Dataset.batches} cuts and orders one pass over the data.
 *
 * @category Datasets
 */
export interface BatchOptions {
  /**
   * Examples per batch (the last batch may be smaller unless `dropRemainder`).
   * @defaultValue 32
   */
  batchSize?: number;
  /**
   * Visit the examples in a seeded random order instead of the stored order.
   * @defaultValue false
   */
  shuffle?: boolean;
  /**
   * Seed of the shuffle. Use a different seed per epoch (e.g. `seed + epoch`) for a new order.
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Leave out the last batch when it is smaller than `batchSize`.
   * @defaultValue false
   */
  dropRemainder?: boolean;
  /**
   * The epoch number, which picks the draw of datasets that resample per epoch (dynamic
   * binarisation). When left out, each call of `batches()` on the same dataset object counts as
   * the next epoch (0, 1, 2, ...).
   * @defaultValue the call count of `batches()` on this dataset
   */
  epoch?: number;
}

/**
 * How {@link Dataset.split} divides a dataset. Each size is either a fraction in `[0, 1)` of the
 * whole or a whole number of examples (`>= 1`); training gets the rest.
 *
 * @category Datasets
 */
export interface SplitOptions {
  /**
   * Size of the validation part (fraction or count).
   * @defaultValue 0
   */
  validation?: number;
  /**
   * Size of the test part (fraction or count).
   * @defaultValue 0
   */
  test?: number;
  /**
   * Seed of the random assignment. When left out the split is fixed and keeps the stored order:
   * training first, then validation, then test.
   * @defaultValue undefined (fixed split)
   */
  seed?: number;
}

/**
 * The parts made by {@link Dataset.split} (a part may be empty).
 *
 * @category Datasets
 */
export interface DatasetSplits {
  /** The training part: everything not in validation or test. */
  train: Dataset;
  /** The validation part. */
  validation: Dataset;
  /** The test part. */
  test: Dataset;
}

/**
 * The part of the `tf.data` module that {@link Dataset.toTfData} uses: its `generator` function.
 * Pass `import * as tfd from '@tensorflow/tfjs-data'` (or `tf.data` from `@tensorflow/tfjs`).
 *
 * @typeParam D - The dataset type that `generator` returns (`tf.data.Dataset<Batch>`).
 * @category Datasets
 */
export interface TfDataModule<D> {
  /** Makes a `tf.data.Dataset` from a function returning a (possibly async) iterator. */
  generator(makeIterator: () => AsyncIterator<Batch>): D;
}

/**
 * A collection of examples that makes tensors only when a batch is asked for.
 *
 * Every loader of this package returns one. Nothing is allocated on the tensor engine until
 * {@link Dataset.batches} yields or {@link Dataset.toTensors} returns; `split`, `subset` and
 * `take` are views that share the underlying data. Every tensor handed out belongs to the
 * caller, who disposes it.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadMnist } from '@vae/datasets';
 *
 * const { train } = await loadMnist();
 * for await (const { x, labels } of train.batches({ batchSize: 128, shuffle: true, seed: 1 })) {
 *   // ... a training step on x: [128, 28, 28, 1] ...
 *   tf.dispose([x, labels]);
 * }
 * ```
 *
 * @category Datasets
 */
export interface Dataset {
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example, without the batch dimension (`[28, 28, 1]`, `[784]`, `[128, 128, 3]`). */
  readonly elementShape: readonly number[];
  /** The class of each example in dataset order (a copy is never needed: do not mutate), or `undefined` when unlabelled. */
  readonly labels: Int32Array | undefined;
  /** Names of the classes, indexed by label, or `undefined` when the classes have no names. */
  readonly classNames: readonly string[] | undefined;

  /**
   * One pass over the data in batches.
   *
   * @param options - Batch size, shuffle and seed, see {@link BatchOptions}.
   * @returns An async iterator of batches; each batch's tensors are new and the caller's to
   *   dispose. Breaking out of the loop early leaves nothing allocated.
   * @throws `ConfigError` for a batch size that is not a positive integer.
   * @throws `DatasetError` when an example cannot be read (streaming datasets).
   */
  batches(options?: BatchOptions): AsyncIterableIterator<Batch>;

  /**
   * Every example as one tensor: for small sets, tests and demos.
   *
   * @param options - `epoch` picks the draw of dynamically binarised data.
   * @returns New tensors `x` `[size, ...elementShape]` and `labels` `[size]`, owned by the caller.
   * @throws `DatasetError` when an example cannot be read.
   */
  toTensors(options?: { epoch?: number }): Promise<DatasetTensors>;

  /**
   * Divides the dataset into training, validation and test parts.
   *
   * @param options - Part sizes and seed, see {@link SplitOptions}.
   * @returns Three views on the same data.
   * @throws `ConfigError` for sizes that are negative, not whole counts, or larger than the dataset together.
   */
  split(options: SplitOptions): DatasetSplits;

  /**
   * A view on some examples, in the given order.
   *
   * @param indices - Positions in this dataset, `0 <= i < size`.
   * @returns A dataset of `indices.length` examples.
   * @throws `ConfigError` for an index out of range.
   */
  subset(indices: ArrayLike<number>): Dataset;

  /**
   * The first `count` examples (all of them when `count >= size`).
   *
   * @param count - How many examples to keep.
   * @returns A view on the first examples.
   * @throws `ConfigError` for a negative or fractional count.
   */
  take(count: number): Dataset;

  /**
   * Wraps the dataset as a `tf.data.Dataset` whose elements are {@link Batch}es. Each new
   * iteration of the tf.data dataset is one pass of {@link Dataset.batches}; with `shuffle`, the
   * k-th pass uses seed `seed + k`, so epochs see different orders.
   *
   * @param data - The `tf.data` module (`import * as tfd from '@tensorflow/tfjs-data'`).
   * @typeParam D - The tf.data dataset type; name it (`tfd.Dataset<Batch>`) for full typing, since
   *   TypeScript cannot infer it through tf.data's generic `generator`.
   * @param options - Passed to {@link Dataset.batches}.
   * @returns Whatever `data.generator` returns: a `tf.data.Dataset<Batch>`. Its elements are the
   *   consumer's to dispose, like those of `batches()`.
   */
  toTfData<D>(data: TfDataModule<D>, options?: BatchOptions): D;
}
