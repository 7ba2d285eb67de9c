import { decodeIdxBytes } from '../idx/load-idx.js';
import type { IdxArray } from '../idx/parse-idx.js';
import { gunzipNode, isUrl, type ReadBytes, readSource, type SourceOptions } from './read-source.js';

/**
 * Options of the Node {@link loadIdx}.
 *
 * @category Datasets
 */
export interface NodeLoadIdxOptions extends SourceOptions {
  /**
   * Expected SHA-256 (hex) of the uncompressed IDX content. A cached copy that fails it is removed
   * and downloaded again; a fresh download or a local file that fails it is a `DatasetError`.
   * Without it, downloads are still checked against the size and SHA-256 recorded when they were
   * cached.
   * @defaultValue undefined (no check beyond the cache's own record)
   */
  sha256?: string;
}

/** The help at the end of a checksum mismatch message: what happened to the file, and the fix. */
function mismatchHelp(read: ReadBytes): string {
  if (!isUrl(read.source) || read.source.startsWith('file:')) {
    return 'The file is corrupt or not the one expected: copy it again, or pass { sha256 } with the checksum of your copy.';
  }
  const fix = 'check the URL (base URL and file names), or pass { sha256 } with the checksum of your copy.';
  if (read.replaced !== undefined) {
    return `This is a fresh download: the cached copy ${read.cacheFile} was removed first (${read.replaced}), so the server itself sends other data than the checksum names: ${fix}`;
  }
  return `This is a fresh download${read.cacheFile === undefined ? '' : `, not stored in the cache (${read.cacheFile})`}: the server sends other data than the checksum names: ${fix}`;
}

async function decodeAndCommit(
  read: ReadBytes,
  options: NodeLoadIdxOptions,
  maxBytes: number | undefined,
  where: string,
): Promise<IdxArray> {
  const array = await decodeIdxBytes(
    read.bytes,
    read.source,
    { sha256: options.sha256, maxBytes, gunzip: gunzipNode, help: mismatchHelp(read) },
    where,
  );
  await read.commit();
  return array;
}

/**
 * Shared by the Node loaders: reads, decodes and verifies, and caches a download only once it
 * decoded. A cached copy that fails to decode or fails the checksum is removed and downloaded
 * once more; only a fresh download's failure is thrown. `maxBytes` is the uncompressed size of
 * the file `options.sha256` names, when known.
 */
export async function loadIdxSource(
  source: string | URL,
  options: NodeLoadIdxOptions,
  where: string,
  maxBytes?: number,
): Promise<{ array: IdxArray; source: string }> {
  const read = await readSource(source, options, where);
  try {
    return { array: await decodeAndCommit(read, options, maxBytes, where), source: read.source };
  } catch (error) {
    if (!read.cached) throw error;
    const reason = `it failed to load: ${error instanceof Error ? error.message.replace(`${where}: `, '') : String(error)}`;
    const fresh = await readSource(source, options, where, reason);
    return { array: await decodeAndCommit(fresh, options, maxBytes, where), source: fresh.source };
  }
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
