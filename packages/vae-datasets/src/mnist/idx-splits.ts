import type { PixelOptions } from '../dataset/pixel-options.js';
import type { IdxArray } from '../idx/parse-idx.js';
import { datasetFromIdx } from './idx-dataset.js';
import type { TrainTestSplit } from './load-mnist.js';

/**
 * The four files of an MNIST-style dataset.
 *
 * @category Datasets
 */
export interface IdxFileNames {
  /** Training images (idx3). */
  trainImages: string;
  /** Training labels (idx1). */
  trainLabels: string;
  /** Test images (idx3). */
  testImages: string;
  /** Test labels (idx1). */
  testLabels: string;
}

/**
 * The file names MNIST and Fashion-MNIST are published under (gzipped IDX).
 *
 * @category Datasets
 */
export const MNIST_FILE_NAMES: Readonly<IdxFileNames> = Object.freeze({
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
});

/**
 * The ten classes of Fashion-MNIST, indexed by label.
 *
 * @category Datasets
 */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** One IDX file read: its array and where it came from. */
interface Loaded {
  array: IdxArray;
  source: string;
}

/**
 * Reads the four files through `read` (in parallel) and pairs them into train and test datasets.
 * When several reads fail, it waits for all four and throws the first failure in file order
 * (train images, train labels, test images, test labels), so the error does not depend on which
 * read happened to fail first.
 */
export async function loadIdxSplits(
  read: (file: keyof IdxFileNames) => Promise<Loaded>,
  classNames: readonly string[],
  pixels: PixelOptions,
): Promise<TrainTestSplit> {
  const settled = await Promise.allSettled([
    read('trainImages'),
    read('trainLabels'),
    read('testImages'),
    read('testLabels'),
  ]);
  const loaded: Loaded[] = [];
  for (const result of settled) {
    if (result.status === 'rejected') throw result.reason;
    loaded.push(result.value);
  }
  const [trainImages, trainLabels, testImages, testLabels] = loaded as [Loaded, Loaded, Loaded, Loaded];
  const make = (images: typeof trainImages, labels: typeof trainLabels) =>
    datasetFromIdx(images.array, labels.array, {
      ...pixels,
      classNames,
      imagesSource: images.source,
      labelsSource: labels.source,
    });
  return { train: make(trainImages, trainLabels), test: make(testImages, testLabels) };
}
