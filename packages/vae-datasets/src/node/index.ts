/**
 * Node-only loaders of `@vae/datasets`: IDX files from paths with a download cache for URLs,
 * Fashion-MNIST from Debian's package, full MNIST from a folder, and streamed image folders.
 *
 * @module @vae/datasets/node
 */

export {
  type ImageFolderDataset,
  type ImageFolderOptions,
  loadImageFolder,
  type SkippedImage,
} from './image-folder.js';
export { loadIdx, type NodeLoadIdxOptions } from './load-idx.js';
export {
  FASHION_MNIST_DEBIAN_DIR,
  loadFashionMnist,
  loadMnistIdx,
  type NodeIdxDatasetOptions,
} from './load-mnist-idx.js';
export { defaultCacheDir, type SourceOptions } from './read-source.js';
