import { DatasetError } from '@vae/core';
import { ArraySource } from '../dataset/array-source.js';
import type { Dataset } from '../dataset/dataset.js';
import { IndexedDataset } from '../dataset/indexed-dataset.js';
import { type PixelOptions, resolvePixelOptions } from '../dataset/pixel-options.js';
import type { IdxArray } from '../idx/parse-idx.js';

/**
 * Options of {@link datasetFromIdx}.
 *
 * @category Datasets
 */
export interface IdxDatasetOptions extends PixelOptions {
  /**
   * Names of the classes, indexed by label.
   * @defaultValue undefined
   */
  classNames?: readonly string[] | undefined;
  /**
   * Name of the images file, for messages.
   * @defaultValue 'images'
   */
  imagesSource?: string;
  /**
   * Name of the labels file, for messages.
   * @defaultValue 'labels'
   */
  labelsSource?: string;
}

/**
 * Makes a {@link Dataset} from parsed IDX images and (optionally) labels.
 *
 * Images `[n, h, w]` become examples `[h, w, 1]`; `[n, h, w, c]` stay `[h, w, c]`; `[n, d]` are
 * vectors `[d]`. Labels must be one integer per image.
 *
 * @param images - Parsed images (e.g. from {@link loadIdx}).
 * @param labels - Parsed labels, or `undefined` for an unlabelled dataset.
 * @param options - Class names, pixel options and file names for messages.
 * @returns A dataset over the arrays (kept, not copied).
 * @throws `DatasetError` when the images have fewer than 2 dimensions, labels are
 *   not a vector of integers, the counts differ, or a label is not a class index.
 *
 * @example
 * ```ts
 * import { datasetFromIdx } from '@vae/datasets';
 *
 * const images = { dtype: 'uint8' as const, shape: [2, 2, 2], data: new Uint8Array(8) };
 * const labels = { dtype: 'uint8' as const, shape: [2], data: new Uint8Array([0, 1]) };
 * console.log(datasetFromIdx(images, labels).elementShape); // [2, 2, 1]
 * ```
 *
 * @category Datasets
 */
export function datasetFromIdx(
  images: IdxArray,
  labels: IdxArray | undefined,
  options: IdxDatasetOptions = {},
): Dataset {
  const where = 'datasetFromIdx';
  const { classNames, imagesSource = 'images', labelsSource = 'labels' } = options;
  const pixels = resolvePixelOptions(options, where);
  if (images.shape.length < 2) {
    throw new DatasetError(
      `${where}: ${imagesSource} has shape [${images.shape.join(', ')}], expected [count, ...example shape] with at least 2 dimensions.`,
      { source: imagesSource },
    );
  }
  const [count, ...rest] = images.shape as [number, ...number[]];
  const shape = rest.length === 2 ? [...rest, 1] : rest;
  let labelArray: Int32Array | undefined;
  if (labels !== undefined) {
    if (labels.shape.length !== 1 || labels.dtype === 'float32' || labels.dtype === 'float64') {
      throw new DatasetError(
        `${where}: ${labelsSource} holds ${labels.dtype} of shape [${labels.shape.join(', ')}], expected a vector of integers (an idx1 file).`,
        { source: labelsSource },
      );
    }
    if (labels.shape[0] !== count) {
      throw new DatasetError(
        `${where}: image/label count mismatch: ${imagesSource} holds ${count} images but ${labelsSource} holds ${labels.shape[0]} labels. ` +
          'Pair the images with their own labels file (train with train, test with test).',
        { source: labelsSource },
      );
    }
    labelArray = Int32Array.from(labels.data);
    const limit = classNames?.length ?? Number.POSITIVE_INFINITY;
    const bad = labelArray.findIndex((l) => l < 0 || l >= limit);
    if (bad >= 0) {
      throw new DatasetError(
        `${where}: ${labelsSource} has label ${labelArray[bad]} at position ${bad}, expected a class index in [0, ${limit}).`,
        { source: labelsSource },
      );
    }
  }
  const elementShape = pixels.flatten ? [shape.reduce((a, b) => a * b, 1)] : shape;
  return new IndexedDataset(new ArraySource(images.data, elementShape, labelArray, classNames, pixels));
}
