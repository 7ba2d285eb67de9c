import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import type {
  Batch,
  BatchOptions,
  Dataset,
  DatasetSplits,
  DatasetTensors,
  SplitOptions,
  TfDataModule,
} from './dataset.js';
import type { ExampleSource } from './example-source.js';
import { shuffleInPlace } from './random.js';

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(
      `Dataset.batches: batchSize must be a positive integer, got ${String(batchSize)}. Pass e.g. { batchSize: 128 }.`,
      { field: 'batchSize', expected: 'a positive integer', got: batchSize },
    );
  }
}

function partSize(value: number | undefined, total: number, field: string): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0 || (value >= 1 && !Number.isInteger(value))) {
    throw new ConfigError(
      `Dataset.split: ${field} must be a fraction in [0, 1) or a whole number of examples, got ${String(value)}. ` +
        `Pass e.g. { ${field}: 0.1 } or { ${field}: 1000 }.`,
      { field, expected: 'a fraction in [0, 1) or a whole count', got: value },
    );
  }
  return value < 1 ? Math.round(value * total) : value;
}

/**
 * The one {@link Dataset} implementation: a list of positions into an {@link ExampleSource}.
 * Views (split, subset, take) copy the positions, never the data.
 */
export class IndexedDataset implements Dataset {
  readonly elementShape: readonly number[];
  readonly classNames: readonly string[] | undefined;
  private readonly source: ExampleSource;
  private readonly positions: Int32Array;
  private labelCache: Int32Array | undefined;
  private passes = 0;

  constructor(source: ExampleSource, positions?: Int32Array) {
    this.source = source;
    this.positions = positions ?? Int32Array.from({ length: source.size }, (_, i) => i);
    this.elementShape = source.elementShape;
    this.classNames = source.classNames;
  }

  get size(): number {
    return this.positions.length;
  }

  get labels(): Int32Array | undefined {
    const all = this.source.labels;
    if (all === undefined) return undefined;
    if (this.labelCache === undefined) this.labelCache = this.positions.map((p) => all[p]!);
    return this.labelCache;
  }

  async *batches(options: BatchOptions = {}): AsyncIterableIterator<Batch> {
    const { batchSize = 32, shuffle = false, seed = 0, dropRemainder = false } = options;
    checkBatchSize(batchSize);
    const epoch = options.epoch ?? this.passes;
    this.passes += 1;
    const order = shuffle ? shuffleInPlace(this.positions.slice(), seed) : this.positions;
    const starts: number[] = [];
    for (let start = 0; start < order.length; start += batchSize) {
      if (dropRemainder && start + batchSize > order.length) break;
      starts.push(start);
    }
    const read = (k: number) => this.source.read(Array.from(order.subarray(starts[k]!, starts[k]! + batchSize)), epoch);
    // Read one batch ahead so decoding overlaps the consumer's step; tensors are made only at yield.
    let pending = starts.length > 0 ? read(0) : undefined;
    for (let k = 0; k < starts.length; k += 1) {
      const current = await pending!;
      pending = k + 1 < starts.length ? read(k + 1) : undefined;
      // A failed read-ahead must not surface as an unhandled rejection if the consumer stops here.
      pending?.catch(() => undefined);
      if (current.kept.length === 0) continue;
      yield this.toBatch(current.values, current.kept);
    }
  }

  async toTensors(options: { epoch?: number } = {}): Promise<DatasetTensors> {
    const { values, kept } = await this.source.read(Array.from(this.positions), options.epoch ?? 0);
    return this.toBatch(values, kept);
  }

  split(options: SplitOptions): DatasetSplits {
    const total = this.size;
    const validation = partSize(options.validation, total, 'validation');
    const test = partSize(options.test, total, 'test');
    if (validation + test > total) {
      throw new ConfigError(
        `Dataset.split: validation (${validation}) and test (${test}) together exceed the ${total} examples. Ask for smaller parts.`,
        { field: 'validation', expected: `validation + test <= ${total}`, got: validation + test },
      );
    }
    const order =
      options.seed === undefined ? this.positions.slice() : shuffleInPlace(this.positions.slice(), options.seed);
    const trainEnd = total - validation - test;
    return {
      train: new IndexedDataset(this.source, order.slice(0, trainEnd)),
      validation: new IndexedDataset(this.source, order.slice(trainEnd, trainEnd + validation)),
      test: new IndexedDataset(this.source, order.slice(trainEnd + validation)),
    };
  }

  subset(indices: ArrayLike<number>): Dataset {
    const picked = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i += 1) {
      const index = indices[i]!;
      if (!Number.isInteger(index) || index < 0 || index >= this.size) {
        throw new ConfigError(
          `Dataset.subset: index ${String(index)} (at position ${i}) is outside [0, ${this.size}). Pass positions of this dataset.`,
          { field: 'indices', expected: `integers in [0, ${this.size})`, got: index },
        );
      }
      picked[i] = this.positions[index]!;
    }
    return new IndexedDataset(this.source, picked);
  }

  take(count: number): Dataset {
    if (!Number.isInteger(count) || count < 0) {
      throw new ConfigError(`Dataset.take: count must be a non-negative integer, got ${String(count)}.`, {
        field: 'count',
        expected: 'a non-negative integer',
        got: count,
      });
    }
    return new IndexedDataset(this.source, this.positions.slice(0, count));
  }

  toTfData<D>(data: TfDataModule<D>, options: BatchOptions = {}): D {
    let pass = 0;
    return data.generator(() => {
      const seed = (options.seed ?? 0) + pass;
      pass += 1;
      return this.batches({ ...options, seed });
    });
  }

  private toBatch(values: Float32Array, kept: readonly number[]): DatasetTensors {
    const x = tf.tensor(values, [kept.length, ...this.elementShape], 'float32');
    const all = this.source.labels;
    const labels =
      all === undefined
        ? undefined
        : tf.tensor1d(
            Int32Array.from(kept, (p) => all[p]!),
            'int32',
          );
    return { x, labels };
  }
}
