import type { IdxFileNames } from './idx-splits.js';

/**
 * SHA-256 (hex) of the uncompressed content of the four Fashion-MNIST files: the checksums
 * `loadFashionMnist` verifies by default.
 *
 * They are checksums of the IDX bytes, not of the `.gz` files: a mirror or a distribution that
 * recompressed the files (Debian's `dataset-fashion-mnist` did) still matches. Computed from
 * Debian's package and checked against the IDX headers (magic `0x0803` / `0x0801`, 60,000 and
 * 10,000 items, 28x28) and the balanced labels (6,000 and 1,000 per class).
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_SHA256 } from '@vae/datasets';
 *
 * console.log(FASHION_MNIST_SHA256.testLabels.slice(0, 8)); // '0402a96d'
 * ```
 *
 * @category Datasets
 */
export const FASHION_MNIST_SHA256: Readonly<IdxFileNames> = Object.freeze({
  trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
});

/**
 * Uncompressed sizes of the files whose checksums ship with the package, by checksum: a file
 * expected to have one of these checksums may not inflate beyond its size, so a wrong download
 * (or a gzip bomb) is stopped before the memory is allocated.
 */
export const KNOWN_IDX_BYTES: ReadonlyMap<string, number> = new Map([
  [FASHION_MNIST_SHA256.trainImages, 16 + 60_000 * 28 * 28],
  [FASHION_MNIST_SHA256.trainLabels, 8 + 60_000],
  [FASHION_MNIST_SHA256.testImages, 16 + 10_000 * 28 * 28],
  [FASHION_MNIST_SHA256.testLabels, 8 + 10_000],
]);

/**
 * The checksum to verify for each of the four files: the caller's, over the dataset's pinned
 * ones; none at all with `false`.
 */
export function resolveChecksums(
  pinned: Readonly<Partial<IdxFileNames>>,
  given: Partial<IdxFileNames> | false | undefined,
): Partial<IdxFileNames> {
  if (given === false) return {};
  return { ...pinned, ...given };
}
