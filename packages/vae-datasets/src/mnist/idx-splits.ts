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

/** Reads the four files through `read` (in parallel) and pairs them into train and test datasets. */
export async function loadIdxSplits(
  read: (file: keyof IdxFileNames) => Promise<{ array: IdxArray; source: string }>,
  classNames: readonly string[],
  pixels: PixelOptions,
): Promise<TrainTestSplit> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read('trainImages'),
    read('trainLabels'),
    read('testImages'),
    read('testLabels'),
  ]);
  const make = (images: typeof trainImages, labels: typeof trainLabels) =>
    datasetFromIdx(images.array, labels.array, {
      ...pixels,
      classNames,
      imagesSource: images.source,
      labelsSource: labels.source,
    });
  return { train: make(trainImages, trainLabels), test: make(testImages, testLabels) };
}
