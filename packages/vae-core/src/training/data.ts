import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors/index.js';
import { seededPermutation } from './random.js';

/**
 * One batch of training data. `labels` are class ids `[batch]` or one-hot `[batch, classes]`,
 * for conditional models.
 *
 * The one batch type of the `@vae` packages: the datasets of `@vae/datasets` yield
 * `Batch<tf.Tensor1D>` (class ids, `undefined` for unlabelled data), which `fit` takes as is.
 * An object type rather than an interface, so a batch is a `tf.TensorContainer`
 * (`tf.dispose(batch)` disposes both tensors).
 *
 * @typeParam Labels - The labels' tensor type: any tensor here, `tf.Tensor1D` for class ids.
 * @category Training
 */
export type Batch<Labels extends tf.Tensor = tf.Tensor> = {
  /** The examples, `[batch, ...inputShape]`. */
  x: tf.Tensor;
  /** Labels for conditional models. */
  labels?: Labels | undefined;
};

/**
 * Anything that hands out batches for one epoch at a time, such as the datasets of
 * `@vae/datasets`. The training loop disposes every tensor of every batch it receives.
 *
 * @category Training
 */
export interface BatchSource {
  /**
   * The batches of one epoch.
   *
   * @param options - Batch size, whether to shuffle, and the seed for this epoch.
   * @returns The epoch's batches; their tensors pass to the caller.
   */
  batches(options: { batchSize: number; shuffle: boolean; seed: number }): AsyncIterable<Batch> | Iterable<Batch>;
  /** Number of examples, when known (for progress and ETA). */
  readonly size?: number;
}

/**
 * A `tf.data.Dataset` seen structurally (core does not depend on tfjs-data): each element is a
 * batch, either a tensor `x` or an object `{ x, labels }` / `{ xs, ys }`.
 *
 * @category Training
 */
export interface DatasetLike {
  /** Starts a fresh pass over the dataset. */
  iterator(): Promise<DatasetIteratorLike>;
}

/**
 * The iterator a {@link DatasetLike} hands out for one pass.
 *
 * @category Training
 */
export interface DatasetIteratorLike {
  /** The next element, or `done` at the end of the pass. */
  next(): Promise<IteratorResult<unknown>>;
}

/**
 * Training or validation data accepted by `fit`:
 * - a tensor `x` `[n, ...inputShape]`, or `{ x, labels }` (batched, shuffled and split by `fit`);
 * - a {@link BatchSource} (for example a dataset of `@vae/datasets`);
 * - a {@link DatasetLike} `tf.data.Dataset` whose elements are already batches;
 * - an async or sync iterable of {@link Batch}es (re-iterated each epoch), or a function returning one.
 *
 * Labels in the data are used by conditional models and ignored by unconditional ones, so a
 * labelled dataset (such as MNIST from `@vae/datasets`) trains either kind.
 *
 * Tensors you pass (tensors, `{ x, labels }`, arrays of batches) are never disposed by `fit`;
 * batches produced by sources, datasets, functions and other iterables are disposed after use.
 *
 * @category Training
 */
export type TrainingData =
  | tf.Tensor
  | Batch
  | BatchSource
  | DatasetLike
  | AsyncIterable<Batch>
  | Iterable<Batch>
  | (() => AsyncIterable<Batch> | Iterable<Batch>);

/** Internal: training data normalised by {@link resolveData}: a source of batches, one pass per epoch. */
export interface EpochSource {
  /** Examples per epoch when known. */
  readonly size: number | undefined;
  /** Batches per epoch when known. */
  readonly batchesPerEpoch: number | undefined;
  /** Whether the batches' tensors belong to the loop (and must be disposed after use). */
  readonly ownsBatches: boolean;
  /**
   * The batches of one epoch.
   *
   * @param options - Whether to shuffle, and the epoch's seed (`fit` passes `mixSeed(seed, epoch)`).
   * @returns The batches; dispose their tensors after use when `ownsBatches` is true.
   */
  epoch(options: { shuffle: boolean; seed: number }): AsyncIterable<Batch>;
}

function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (isTensor(value)) return `a tensor of shape [${value.shape.join(', ')}]`;
  return typeof value === 'object'
    ? `an object with keys ${Object.keys(value as object).join(', ') || '(none)'}`
    : typeof value;
}

/** Internal: tensors `{ x, labels }` held in memory, batched with a seeded shuffle. */
export class TensorSource implements EpochSource {
  readonly ownsBatches = true;
  readonly size: number;
  readonly batchesPerEpoch: number;

  constructor(
    readonly x: tf.Tensor,
    readonly labels: tf.Tensor | undefined,
    readonly batchSize: number,
    readonly start = 0,
    readonly end = x.shape[0] as number,
  ) {
    this.size = end - start;
    this.batchesPerEpoch = Math.ceil(this.size / batchSize);
  }

  async *epoch(options: { shuffle: boolean; seed: number }): AsyncGenerator<Batch> {
    const order = options.shuffle ? seededPermutation(this.size, options.seed) : null;
    for (let b = 0; b < this.size; b += this.batchSize) {
      const count = Math.min(this.batchSize, this.size - b);
      const idx = new Int32Array(count);
      for (let i = 0; i < count; i++) idx[i] = this.start + (order ? (order[b + i] as number) : b + i);
      const batch = tf.tidy(() => {
        const indices = tf.tensor1d(idx, 'int32');
        const out: Batch = { x: tf.gather(this.x, indices) };
        if (this.labels) out.labels = tf.gather(this.labels, indices);
        return out as unknown as tf.TensorContainer;
      }) as unknown as Batch;
      yield batch;
    }
  }
}

function toBatch(element: unknown, where: string): Batch {
  if (isTensor(element)) return { x: element };
  if (element && typeof element === 'object') {
    const e = element as Record<string, unknown>;
    const x = e['x'] ?? e['xs'];
    const labels = e['labels'] ?? e['ys'];
    if (isTensor(x)) {
      if (labels !== undefined && !isTensor(labels)) {
        throw new ConfigError(`${where}: a batch's labels must be a tensor, got ${describe(labels)}.`, {
          field: 'labels',
          expected: 'a tensor',
          got: labels,
        });
      }
      return labels === undefined ? { x } : { x, labels: labels as tf.Tensor };
    }
  }
  throw new ConfigError(
    `${where}: each batch must be a tensor or { x, labels? }, got ${describe(element)}. ` +
      'Batch a tf.data.Dataset with .batch(n) and map elements to { x } or { x, labels }.',
    { field: 'data', expected: 'a tensor or { x, labels? }', got: element },
  );
}

class IterableSource implements EpochSource {
  readonly size = undefined;
  readonly batchesPerEpoch = undefined;
  constructor(
    private readonly make: (options: { shuffle: boolean; seed: number }) => AsyncIterable<unknown> | Iterable<unknown>,
    private readonly where: string,
    readonly ownsBatches = true,
  ) {}

  async *epoch(options: { shuffle: boolean; seed: number }): AsyncGenerator<Batch> {
    for await (const element of this.make(options)) yield toBatch(element, this.where);
  }
}

class BatchSourceAdapter implements EpochSource {
  readonly ownsBatches = true;
  readonly batchesPerEpoch: number | undefined;
  constructor(
    private readonly source: BatchSource,
    private readonly batchSize: number,
    private readonly where: string,
  ) {
    this.batchesPerEpoch = source.size === undefined ? undefined : Math.ceil(source.size / batchSize);
  }

  get size(): number | undefined {
    return this.source.size;
  }

  async *epoch(options: { shuffle: boolean; seed: number }): AsyncGenerator<Batch> {
    for await (const element of this.source.batches({ batchSize: this.batchSize, ...options })) {
      yield toBatch(element, this.where);
    }
  }
}

async function* iterateDataset(dataset: DatasetLike): AsyncGenerator<unknown> {
  const it = await dataset.iterator();
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

function checkLabels(x: tf.Tensor, labels: tf.Tensor | undefined, where: string): void {
  if (x.rank < 2) {
    throw new ShapeError(
      `${where}: x must have a batch dimension, got shape [${x.shape.join(', ')}]. Pass [n, ...inputShape].`,
      { argument: 'x', expected: [null], got: x.shape },
    );
  }
  if (labels && labels.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${where}: labels must have one entry per example: x has ${x.shape[0]} examples, labels ${labels.shape[0]}.`,
      { argument: 'labels', expected: [x.shape[0] as number], got: labels.shape },
    );
  }
}

/**
 * Internal: normalises any {@link TrainingData} into {@link EpochSource}s, as `fit` does: tensor
 * data is batched (and shuffled per epoch with a seeded permutation), sources, datasets and
 * iterables are adapted. A `validationSplit` in (0, 1) holds back the last part of tensor data.
 *
 * @throws {@link ConfigError} for data of no known form, or a split that leaves a side empty.
 * @throws {@link ShapeError} for tensors without examples or labels of another length.
 */
export function resolveData(
  data: TrainingData,
  options: { batchSize: number; where: string; validationSplit?: number },
): {
  /** The training batches. */
  train: EpochSource;
  /** The held-out batches of a `validationSplit`, otherwise `undefined`. */
  validation: EpochSource | undefined;
} {
  const { batchSize, where, validationSplit } = options;
  if (isTensor(data) || (data && typeof data === 'object' && isTensor((data as { x?: unknown }).x))) {
    const { x, labels } = isTensor(data)
      ? { x: data, labels: undefined }
      : (data as { x: tf.Tensor; labels?: tf.Tensor });
    checkLabels(x, labels, where);
    const n = x.shape[0] as number;
    if (validationSplit !== undefined && validationSplit > 0) {
      const nVal = Math.floor(n * validationSplit);
      if (nVal < 1 || nVal >= n) {
        throw new ConfigError(
          `${where}: validationSplit ${validationSplit} leaves ${nVal} of ${n} examples for validation; it must keep at least one example on each side.`,
          { field: 'validationSplit', expected: 'a fraction leaving examples on both sides', got: validationSplit },
        );
      }
      return {
        train: new TensorSource(x, labels, batchSize, 0, n - nVal),
        validation: new TensorSource(x, labels, batchSize, n - nVal, n),
      };
    }
    if (n === 0) {
      throw new ShapeError(`${where}: x has no examples (shape [${x.shape.join(', ')}]).`, {
        argument: 'x',
        expected: [null],
        got: x.shape,
      });
    }
    return { train: new TensorSource(x, labels, batchSize), validation: undefined };
  }
  if (validationSplit !== undefined && validationSplit > 0) {
    throw new ConfigError(
      `${where}: validationSplit works only with tensor data; for streams and datasets pass validationData instead.`,
      { field: 'validationSplit', expected: 'tensor training data', got: validationSplit },
    );
  }
  let train: EpochSource;
  if (typeof data === 'function') {
    train = new IterableSource(() => (data as () => AsyncIterable<Batch>)(), where);
  } else if (data && typeof (data as BatchSource).batches === 'function') {
    train = new BatchSourceAdapter(data as BatchSource, batchSize, where);
  } else if (data && typeof (data as DatasetLike).iterator === 'function') {
    train = new IterableSource(() => iterateDataset(data as DatasetLike), where);
  } else if (
    data &&
    (typeof (data as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function' ||
      typeof (data as Iterable<Batch>)[Symbol.iterator] === 'function')
  ) {
    // An array of batches stays the caller's (it is replayed every epoch); batches from any
    // other iterable are made for the loop and disposed after use.
    train = new IterableSource(() => data as AsyncIterable<Batch>, where, !Array.isArray(data));
  } else {
    throw new ConfigError(
      `${where}: data must be a tensor, { x, labels }, a dataset with batches() or iterator(), an iterable of batches or a function returning one; got ${describe(data)}.`,
      { field: 'data', expected: 'training data', got: data },
    );
  }
  return { train, validation: undefined };
}
