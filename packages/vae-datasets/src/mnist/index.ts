export { FASHION_MNIST_SHA256 } from './checksums.js';
export { datasetFromIdx, type IdxDatasetOptions } from './idx-dataset.js';
export {
  FASHION_MNIST_CLASS_NAMES,
  type IdxFileNames,
  loadIdxSplits,
  MNIST_FILE_NAMES,
} from './idx-splits.js';
export {
  type EmbeddedMnistArrays,
  loadEmbeddedMnistArrays,
  loadMnist,
  MNIST_CLASS_NAMES,
  type MnistOptions,
  type TrainTestSplit,
} from './load-mnist.js';
export { type IdxUrlDatasetOptions, loadFashionMnist, loadMnistIdx, resolveFileUrls } from './load-mnist-idx.js';
