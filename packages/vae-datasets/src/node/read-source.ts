import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import { DatasetError } from '@vae/core';
import { type FetchOptions, fetchBytes } from '../idx/fetch-bytes.js';
import { type CacheEntry, cacheEntry, readCacheEntry, removeCacheEntry, writeCacheEntry } from './download-cache.js';

const gunzipAsync = promisify(zlibGunzip);

/** zlib's gunzip as a {@link Gunzip}: faster than DecompressionStream and multi-member safe. */
export async function gunzipNode(bytes: Uint8Array, maxBytes?: number): Promise<Uint8Array> {
  const out = await gunzipAsync(bytes, maxBytes === undefined ? {} : { maxOutputLength: Math.max(1, maxBytes) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Options for reading a path or downloading a URL with the on-disk cache.
 *
 * @category Datasets
 */
export interface SourceOptions extends FetchOptions {
  /**
   * Folder of the download cache. Files are stored under a name derived from the URL and reused
   * on the next load; a download is cached only after it decoded and passed its checksum, with a
   * record of its size and SHA-256 (`<file>.integrity.json`) that every later read checks. A
   * cached copy that fails its record or its checksum is removed and downloaded once more.
   * @defaultValue `$VAE_DATASETS_CACHE`, else `$XDG_CACHE_HOME/vae-datasets`, else `~/.cache/vae-datasets`
   */
  cacheDir?: string;
  /**
   * Use the download cache (read and write). Set to `false` to always download.
   * @defaultValue true
   */
  cache?: boolean;
}

/**
 * The default download cache folder, see {@link SourceOptions.cacheDir}.
 *
 * @returns The folder's absolute path.
 * @category Datasets
 */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env['VAE_DATASETS_CACHE']) return env['VAE_DATASETS_CACHE'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'vae-datasets');
}

/** Bytes read from a path or URL, and a function that stores a download in the cache once it proved good. */
export interface ReadBytes {
  bytes: Uint8Array;
  /** The path or URL, for messages. */
  source: string;
  /** Whether the bytes came from the cache. */
  cached: boolean;
  /** The cache file the bytes came from or will be stored in; `undefined` for paths and uncached downloads. */
  cacheFile: string | undefined;
  /** Why a cached copy was removed before these bytes were downloaded, when one was. */
  replaced: string | undefined;
  /** Stores a fresh download in the cache (no-op for paths and cache hits). */
  commit(): Promise<void>;
}

/** Whether `source` names a URL to download rather than a file path. */
export function isUrl(source: string | URL): boolean {
  return source instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^data:/i.test(source);
}

async function readPath(path: string, where: string): Promise<ReadBytes> {
  const noop = async () => undefined;
  try {
    const buffer = await readFile(path);
    return {
      bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
      source: path,
      cached: false,
      cacheFile: undefined,
      replaced: undefined,
      commit: noop,
    };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : code === 'EACCES'
            ? 'is not readable (permission denied)'
            : `cannot be read (${String(cause)})`;
    throw new DatasetError(`${where}: ${path} ${problem}. Check the path.`, { source: path, cause });
  }
}

/**
 * Downloads `url`; `replaced` (why a cached copy was just removed) goes into the message of a
 * failed download, so the user learns both what was wrong with the cache and why the repair failed.
 */
async function download(
  url: string,
  options: SourceOptions,
  where: string,
  entry: CacheEntry | undefined,
  replaced: string | undefined,
): Promise<ReadBytes> {
  let bytes: Uint8Array;
  try {
    bytes = await fetchBytes(url, options, where);
  } catch (error) {
    if (replaced === undefined || !(error instanceof DatasetError)) throw error;
    throw new DatasetError(
      `${where}: the cached copy ${entry?.file} of ${url} was removed (${replaced}), and downloading it again failed: ${error.message.replace(`${where}: `, '')}`,
      { source: url, cause: error },
    );
  }
  return {
    bytes,
    source: url,
    cached: false,
    cacheFile: entry?.file,
    replaced,
    commit: async () => {
      if (entry !== undefined) await writeCacheEntry(entry, bytes, where);
    },
  };
}

/**
 * Reads a file path (or `file:` URL), or reads an `http(s):` URL through the cache. A cached copy
 * that fails its integrity record is removed and downloaded again. With `refresh` the cache is
 * not read (the caller found the cached copy bad): `refresh` says why, for messages.
 */
export async function readSource(
  source: string | URL,
  options: SourceOptions,
  where: string,
  refresh?: string,
): Promise<ReadBytes> {
  const text = String(source);
  if (!isUrl(source) || text.startsWith('file:')) {
    return readPath(text.startsWith('file:') ? fileURLToPath(text) : text, where);
  }
  const useCache = (options.cache ?? true) && !text.startsWith('data:');
  const entry = useCache ? cacheEntry(text, options.cacheDir ?? defaultCacheDir()) : undefined;
  if (entry === undefined) return download(text, options, where, undefined, undefined);
  if (refresh !== undefined) {
    await removeCacheEntry(entry);
    return download(text, options, where, entry, refresh);
  }
  const read = await readCacheEntry(entry);
  if (read.status === 'hit') {
    return {
      bytes: read.bytes,
      source: text,
      cached: true,
      cacheFile: entry.file,
      replaced: undefined,
      commit: async () => undefined,
    };
  }
  if (read.status === 'corrupt') await removeCacheEntry(entry);
  return download(text, options, where, entry, read.status === 'corrupt' ? read.reason : undefined);
}
