import { decodeIdxBytes } from '../idx/load-idx.js';
import type { IdxArray } from '../idx/parse-idx.js';
import { gunzipNode, readSource, type SourceOptions } from './read-source.js';

/**
 * Options of the Node {@link loadIdx}.
 *
 * @category Datasets
 */
export interface NodeLoadIdxOptions extends SourceOptions {
  /**
   * Expected SHA-256 (hex) of the uncompressed IDX content; a mismatch is an error (and a cached
   * copy that fails it is removed).
   * @defaultValue undefined (no check)
   */
  sha256?: string;
}

/** Shared by the Node loaders: reads, decodes, and caches a download only once it decoded. */
export async function loadIdxSource(
  source: string | URL,
  options: NodeLoadIdxOptions,
  where: string,
): Promise<{ array: IdxArray; source: string }> {
  const read = await readSource(source, options, where);
  let array: IdxArray;
  try {
    array = await decodeIdxBytes(read.bytes, read.source, { sha256: options.sha256, gunzip: gunzipNode }, where);
  } catch (error) {
    await read.evict();
    throw error;
  }
  await read.commit();
  return { array, source: read.source };
}

/**
 * Reads one IDX file (gzipped or not) from a path, a `file:` URL, or an `http(s):` URL; downloads
 * go through an on-disk cache, so the second load is offline.
 *
 * @param source - A file path, or a URL.
 * @param options - Cache folder, checksum, injected `fetch`, timeout; see {@link NodeLoadIdxOptions}.
 * @returns The parsed array.
 * @throws `DatasetError` for a missing or unreadable file, a network error, an
 *   HTTP error status, a cut-short or timed-out download, a `.gz` that is not gzip, corrupt gzip,
 *   a checksum mismatch, or invalid IDX content; the message names the file or URL.
 *
 * @example
 * ```ts
 * import { loadIdx } from '@vae/datasets/node';
 *
 * const labels = await loadIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 * console.log(labels.dtype, labels.shape); // uint8 [10000]
 * ```
 *
 * @category Datasets
 */
export async function loadIdx(source: string | URL, options: NodeLoadIdxOptions = {}): Promise<IdxArray> {
  return (await loadIdxSource(source, options, 'loadIdx')).array;
}
