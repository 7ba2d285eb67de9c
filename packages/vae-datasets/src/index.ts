/**
 * Datasets for VAEs on TensorFlow.js: real data for every classic setup, offline by default.
 *
 * - {@link loadMnist}: 10,000 real MNIST digits embedded in the package (Node and browsers).
 * - {@link Dataset}: the one interface every loader returns: size, element shape, labels,
 *   streaming {@link Dataset.batches | batches} with a seeded shuffle, seeded splits,
 *   {@link Dataset.toTensors | toTensors} for small sets, and a `tf.data` adapter.
 * - {@link loadIdx}, {@link parseIdx}: the IDX format of MNIST-style data, every element type,
 *   gzipped or not, from a URL with an optional SHA-256 check; {@link loadMnistIdx} and
 *   {@link loadFashionMnist} pair the four files of the full datasets (Fashion-MNIST verified
 *   against {@link FASHION_MNIST_SHA256} by default).
 * - {@link datasetFromArrays}, {@link datasetFromIdx}: datasets over arrays you already hold.
 *
 * Node-only loaders (IDX files from disk with a download cache, Fashion-MNIST from Debian's
 * package, folders of PNG/JPEG/WebP images) live in `@vae/datasets/node`.
 *
 * Tensor ownership: every tensor a dataset hands out is new and belongs to the caller. Batches feed
 * {@link @vae/core!VAE.fit} directly.
 *
 * @module @vae/datasets
 */

export type {
  ArrayDatasetOptions,
  Batch,
  BatchOptions,
  Dataset,
  DatasetSplits,
  DatasetTensors,
  NumericArray,
  PixelOptions,
  SplitOptions,
  TfDataModule,
} from './dataset/index.js';
export { datasetFromArrays } from './dataset/index.js';
export type { FetchLike, FetchOptions, IdxArray, IdxDtype, LoadIdxOptions } from './idx/index.js';
export { encodeIdx, loadIdx, parseIdx } from './idx/index.js';
export type {
  EmbeddedMnistArrays,
  IdxDatasetOptions,
  IdxFileNames,
  IdxUrlDatasetOptions,
  MnistOptions,
  TrainTestSplit,
} from './mnist/index.js';
export {
  datasetFromIdx,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_SHA256,
  loadEmbeddedMnistArrays,
  loadFashionMnist,
  loadMnist,
  loadMnistIdx,
  MNIST_CLASS_NAMES,
  MNIST_FILE_NAMES,
} from './mnist/index.js';
