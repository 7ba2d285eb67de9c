import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DatasetError } from '@vae/core';
import type { PixelOptions } from '../dataset/pixel-options.js';
import { FASHION_MNIST_SHA256, KNOWN_IDX_BYTES, resolveChecksums } from '../mnist/checksums.js';
import { FASHION_MNIST_CLASS_NAMES, type IdxFileNames, loadIdxSplits, MNIST_FILE_NAMES } from '../mnist/idx-splits.js';
import { MNIST_CLASS_NAMES, type TrainTestSplit } from '../mnist/load-mnist.js';
import { resolveFileUrls } from '../mnist/load-mnist-idx.js';
import { loadIdxSource } from './load-idx.js';
import type { SourceOptions } from './read-source.js';

/**
 * Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST (four gzipped IDX files
 * under the published names).
 *
 * @category Datasets
 */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist/';

/**
 * Options of the Node {@link loadMnistIdx} and {@link loadFashionMnist}: a local folder or a base
 * URL (downloads are cached).
 *
 * @category Datasets
 */
export interface NodeIdxDatasetOptions extends PixelOptions, SourceOptions {
  /**
   * Local folder holding the four files, gzipped (`.gz`) or not. Takes precedence over `baseUrl`.
   * @defaultValue undefined (Fashion-MNIST: {@link FASHION_MNIST_DEBIAN_DIR} when no `baseUrl` is given)
   */
  dir?: string;
  /**
   * Folder URL holding the four files; downloads are cached in `cacheDir`.
   * @defaultValue undefined
   */
  baseUrl?: string | URL;
  /**
   * File names, when they differ from {@link MNIST_FILE_NAMES}.
   * @defaultValue MNIST_FILE_NAMES
   */
  files?: Partial<IdxFileNames>;
  /**
   * Expected SHA-256 (hex) of each file's uncompressed content. A cached download that fails it
   * is downloaded once more; a fresh download or a local file that fails it is a `DatasetError`.
   * Given checksums replace the pinned ones file by file; `false` turns the checks off (for a
   * modified copy of the data). Downloads are checked against the cache's own record either way.
   * @defaultValue Fashion-MNIST: {@link FASHION_MNIST_SHA256}; MNIST: {} (no pinned checksums)
   */
  sha256?: Partial<IdxFileNames> | false;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The path of `name` in `dir`, accepting the file with or without its `.gz` suffix. */
async function findFile(dir: string, name: string, where: string): Promise<string> {
  const alternative = name.endsWith('.gz') ? name.slice(0, -3) : `${name}.gz`;
  for (const candidate of [name, alternative]) {
    const path = join(dir, candidate);
    if (await exists(path)) return path;
  }
  throw new DatasetError(
    `${where}: ${join(dir, name)} does not exist (nor ${alternative}). Check { dir } or pass { files } with the right names.`,
    {
      source: join(dir, name),
    },
  );
}

async function loadNode(
  where: string,
  options: NodeIdxDatasetOptions,
  classNames: readonly string[],
  pinned: Readonly<Partial<IdxFileNames>>,
): Promise<TrainTestSplit> {
  const { dir, baseUrl, files, sha256: given, ...rest } = options;
  const sha256 = resolveChecksums(pinned, given);
  if (dir === undefined && baseUrl === undefined) {
    throw new ConfigError(
      `${where}: pass { dir } (a local folder with the IDX files) or { baseUrl } (a folder URL to download them from).`,
      {
        field: 'dir',
        expected: 'a folder path or a baseUrl',
        got: undefined,
      },
    );
  }
  const names = { ...MNIST_FILE_NAMES, ...files };
  const urls = dir === undefined ? resolveFileUrls(where, baseUrl, files) : undefined;
  return loadIdxSplits(
    async (file) => {
      const source = urls === undefined ? await findFile(dir!, names[file], where) : urls[file];
      const checksum = sha256[file];
      if (checksum === undefined) return loadIdxSource(source, rest, where);
      return loadIdxSource(source, { ...rest, sha256: checksum }, where, KNOWN_IDX_BYTES.get(checksum.toLowerCase()));
    },
    classNames,
    rest,
  );
}

/**
 * Loads the full MNIST (60,000 + 10,000 digits) from a local folder or a base URL (downloads
 * are cached on disk, so later loads are offline).
 *
 * @param options - `dir` or `baseUrl`, file names, checksums, cache and pixel options.
 * @returns Training and test datasets of `[28, 28, 1]` digits.
 * @throws `ConfigError` when neither `dir` nor `baseUrl` is given.
 * @throws `DatasetError` for a missing or invalid file, a download problem, or
 *   image and label counts that differ.
 *
 * @example
 * <!-- runner: skip (needs the original MNIST files in ./data/mnist) -->
 * ```ts
 * import { loadMnistIdx } from '@vae/datasets/node';
 *
 * const { train, test } = await loadMnistIdx({ dir: './data/mnist' });
 * console.log(train.size, test.size); // 60000 10000
 * ```
 *
 * @category Datasets
 */
export function loadMnistIdx(options: NodeIdxDatasetOptions): Promise<TrainTestSplit> {
  return loadNode('loadMnistIdx', options, MNIST_CLASS_NAMES, {});
}

/**
 * Loads Fashion-MNIST (60,000 + 10,000 images of clothing, `[28, 28, 1]`, classes named in
 * {@link FASHION_MNIST_CLASS_NAMES}). With no options it reads Debian's `dataset-fashion-mnist`
 * package from {@link FASHION_MNIST_DEBIAN_DIR}, offline. Every file is verified against
 * {@link FASHION_MNIST_SHA256} unless `sha256` says otherwise.
 *
 * @param options - `dir` or `baseUrl`, file names, checksums, cache and pixel options.
 * @returns Training and test datasets.
 * @throws `DatasetError` when the files are missing (with how to install them),
 *   invalid, differ from their checksums, or their counts differ, or a download fails.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from '@vae/datasets/node';
 *
 * const { train, test } = await loadFashionMnist(); // apt-get install dataset-fashion-mnist
 * console.log(train.size, test.size, train.classNames?.[0]); // 60000 10000 'T-shirt/top'
 * ```
 *
 * @category Datasets
 */
export async function loadFashionMnist(options: NodeIdxDatasetOptions = {}): Promise<TrainTestSplit> {
  if (options.dir === undefined && options.baseUrl === undefined) {
    if (!(await exists(FASHION_MNIST_DEBIAN_DIR))) {
      throw new DatasetError(
        `loadFashionMnist: Fashion-MNIST is not installed at ${FASHION_MNIST_DEBIAN_DIR}. ` +
          "Install Debian's package (apt-get install dataset-fashion-mnist), or pass { dir } or { baseUrl }.",
        { source: FASHION_MNIST_DEBIAN_DIR },
      );
    }
    return loadNode(
      'loadFashionMnist',
      { ...options, dir: FASHION_MNIST_DEBIAN_DIR },
      FASHION_MNIST_CLASS_NAMES,
      FASHION_MNIST_SHA256,
    );
  }
  return loadNode('loadFashionMnist', options, FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_SHA256);
}
