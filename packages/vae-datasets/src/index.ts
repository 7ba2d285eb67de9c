/**
 * Datasets for VAEs on TensorFlow.js: real data for every classic setup, offline by default.
 *
 * - {@link loadMnist}: 10,000 real MNIST digits embedded in the package (Node and browsers).
 * - {@link Dataset}: the one interface every loader returns: size, element shape, labels,
 *   streaming {@link Dataset.batches | batches} with a seeded shuffle, seeded splits,
 *   {@link Dataset.toTensors | toTensors} for small sets, and a `tf.data` adapter.
 * - {@link datasetFromArrays}: a dataset over arrays you already hold.
 *
 * Node-only loaders (IDX files from disk with a download cache, Fashion-MNIST from Debian's
 * package, folders of PNG/JPEG/WebP images) live in `@vae/datasets/node`.
 *
 * Tensor ownership: every tensor a dataset hands out is new and belongs to the caller.
 *
 * @packageDocumentation
 */

export type {
  ArrayDatasetOptions,
  Batch,
  BatchOptions,
  Dataset,
  DatasetSplits,
  DatasetTensors,
  PixelOptions,
  SplitOptions,
  TfDataModule,
} from './dataset/index.js';
export { datasetFromArrays } from './dataset/index.js';
export type { MnistOptions, TrainTestSplit } from './mnist/index.js';
export { loadEmbeddedMnistArrays, loadMnist, MNIST_CLASS_NAMES } from './mnist/index.js';
