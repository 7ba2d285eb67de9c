import { ConfigError } from '@vae/core';
import type { PixelOptions } from '../dataset/pixel-options.js';
import { fetchBytes } from '../idx/fetch-bytes.js';
import { decodeIdxBytes, type LoadIdxOptions } from '../idx/load-idx.js';
import { FASHION_MNIST_SHA256, KNOWN_IDX_BYTES, resolveChecksums } from './checksums.js';
import { FASHION_MNIST_CLASS_NAMES, type IdxFileNames, loadIdxSplits, MNIST_FILE_NAMES } from './idx-splits.js';
import { MNIST_CLASS_NAMES, type TrainTestSplit } from './load-mnist.js';

/**
 * Options of {@link loadMnistIdx} and {@link loadFashionMnist} (the URL versions).
 *
 * @category Datasets
 */
export interface IdxUrlDatasetOptions extends PixelOptions, Omit<LoadIdxOptions, 'sha256'> {
  /** The folder URL that holds the four files (a trailing slash is added when missing). */
  baseUrl: string | URL;
  /**
   * File names, when they differ from {@link MNIST_FILE_NAMES}.
   * @defaultValue MNIST_FILE_NAMES
   */
  files?: Partial<IdxFileNames>;
  /**
   * Expected SHA-256 (hex) of each file's uncompressed content; a mismatch is a `DatasetError`.
   * Given checksums replace the pinned ones file by file; `false` turns the checks off (for a
   * modified copy of the data).
   * @defaultValue Fashion-MNIST: {@link FASHION_MNIST_SHA256}; MNIST: {} (no checks)
   */
  sha256?: Partial<IdxFileNames> | false;
}

/** Resolves the four file URLs from a base URL. */
export function resolveFileUrls(
  where: string,
  baseUrl: string | URL | undefined,
  files?: Partial<IdxFileNames>,
): IdxFileNames {
  if (baseUrl === undefined || String(baseUrl) === '') {
    throw new ConfigError(`${where}: baseUrl is required. Pass e.g. { baseUrl: 'https://example.com/mnist/' }.`, {
      field: 'baseUrl',
      expected: 'a URL of the folder holding the IDX files',
      got: baseUrl,
    });
  }
  let base: URL;
  try {
    const text = String(baseUrl);
    base = new URL(text.endsWith('/') ? text : `${text}/`);
  } catch (cause) {
    throw new ConfigError(
      `${where}: baseUrl ${String(baseUrl)} is not an absolute URL. Pass e.g. 'https://example.com/mnist/'.`,
      {
        field: 'baseUrl',
        expected: 'an absolute URL',
        got: baseUrl,
        cause,
      },
    );
  }
  const names = { ...MNIST_FILE_NAMES, ...files };
  return {
    trainImages: new URL(names.trainImages, base).href,
    trainLabels: new URL(names.trainLabels, base).href,
    testImages: new URL(names.testImages, base).href,
    testLabels: new URL(names.testLabels, base).href,
  };
}

async function loadFromUrls(
  where: string,
  options: IdxUrlDatasetOptions,
  classNames: readonly string[],
  pinned: Readonly<Partial<IdxFileNames>>,
): Promise<TrainTestSplit> {
  const urls = resolveFileUrls(where, options.baseUrl, options.files);
  const { baseUrl: _base, files: _files, sha256: given, ...rest } = options;
  const sha256 = resolveChecksums(pinned, given);
  return loadIdxSplits(
    async (file) => {
      const checksum = sha256[file];
      const raw = await fetchBytes(urls[file], rest, where);
      const help =
        'The server sends other data than the checksum names: check the base URL and file names, or pass { sha256 } with the checksums of your copy.';
      return {
        array: await decodeIdxBytes(
          raw,
          urls[file],
          {
            sha256: checksum,
            maxBytes: checksum === undefined ? undefined : KNOWN_IDX_BYTES.get(checksum.toLowerCase()),
            help,
          },
          where,
        ),
        source: urls[file],
      };
    },
    classNames,
    rest,
  );
}

/**
 * Downloads the full MNIST (60,000 training and 10,000 test digits) from a folder URL holding
 * the four published IDX files. In Node, `@vae/datasets/node` has a version that also reads a
 * local folder and caches downloads on disk.
 *
 * @param options - The base URL, file names, checksums, fetch and pixel options.
 * @returns Training and test datasets of `[28, 28, 1]` digits (labels `'0'`..`'9'`).
 * @throws `ConfigError` for a missing or invalid `baseUrl`.
 * @throws `DatasetError` for a download or file problem (see {@link loadIdx}) or
 *   image and label counts that differ.
 *
 * @example
 * <!-- runner: skip (downloads from a URL; CI has no network) -->
 * ```ts
 * import { loadMnistIdx } from '@vae/datasets';
 *
 * // Any mirror of the original files, e.g. one you host next to your app.
 * const { train, test } = await loadMnistIdx({ baseUrl: 'https://example.com/mnist/' });
 * console.log(train.size, test.size); // 60000 10000
 * ```
 *
 * @category Datasets
 */
export function loadMnistIdx(options: IdxUrlDatasetOptions): Promise<TrainTestSplit> {
  return loadFromUrls('loadMnistIdx', options, MNIST_CLASS_NAMES, {});
}

/**
 * Downloads Fashion-MNIST (60,000 training and 10,000 test images of clothing, 28x28 grey) from
 * a folder URL holding the four IDX files, and verifies them against {@link FASHION_MNIST_SHA256}
 * unless `sha256` says otherwise. Class names are {@link FASHION_MNIST_CLASS_NAMES}. In
 * Node, `@vae/datasets/node` has a version that reads Debian's `dataset-fashion-mnist` package
 * offline.
 *
 * @param options - The base URL, file names, checksums, fetch and pixel options.
 * @returns Training and test datasets of `[28, 28, 1]` images.
 * @throws `ConfigError` for a missing or invalid `baseUrl`.
 * @throws `DatasetError` for a download or file problem (see {@link loadIdx}), or a file whose
 *   content differs from the checksum.
 *
 * @example
 * <!-- runner: skip (downloads from a URL; CI has no network) -->
 * ```ts
 * import { loadFashionMnist } from '@vae/datasets';
 *
 * const { train } = await loadFashionMnist({ baseUrl: 'https://example.com/fashion-mnist/' });
 * console.log(train.classNames?.[9]); // 'Ankle boot'
 * ```
 *
 * @category Datasets
 */
export function loadFashionMnist(options: IdxUrlDatasetOptions): Promise<TrainTestSplit> {
  return loadFromUrls('loadFashionMnist', options, FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_SHA256);
}
