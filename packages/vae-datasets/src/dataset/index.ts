export { ArraySource, type NumericArray, writeExample } from './array-source.js';
export type {
  Batch,
  BatchOptions,
  Dataset,
  DatasetSplits,
  DatasetTensors,
  SplitOptions,
  TfDataModule,
} from './dataset.js';
export { type ExampleSource, elementSize } from './example-source.js';
export { type ArrayDatasetOptions, datasetFromArrays } from './from-arrays.js';
export { IndexedDataset } from './indexed-dataset.js';
export { PIXEL_DEFAULTS, type PixelOptions, type ResolvedPixelOptions, resolvePixelOptions } from './pixel-options.js';
export { mixSeed, shuffleInPlace } from './random.js';
