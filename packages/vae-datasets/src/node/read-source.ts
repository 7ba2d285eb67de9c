import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
import { DatasetError } from '@vae/core';
import { type FetchOptions, fetchBytes } from '../idx/fetch-bytes.js';

const gunzipAsync = promisify(zlibGunzip);

/** zlib's gunzip as a {@link Gunzip}: faster than DecompressionStream and multi-member safe. */
export async function gunzipNode(bytes: Uint8Array): Promise<Uint8Array> {
  const out = await gunzipAsync(bytes);
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
   * on the next load; a download is cached only after it decoded and passed its checksum.
   * @defaultValue `$VAE_DATASETS_CACHE`, else `$XDG_CACHE_HOME/vae-datasets`, else `~/.cache/vae-datasets`
   */
  cacheDir?: string;
  /**
   * Use the download cache (read and write). Set to `false` to always download.
   * @defaultValue true
   */
  cache?: boolean;
}

/** The default download cache folder, see {@link SourceOptions.cacheDir}. */
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
  /** Stores a fresh download in the cache (no-op for paths and cache hits). */
  commit(): Promise<void>;
  /** Removes a cache entry that turned out bad (no-op for paths and fresh downloads). */
  evict(): Promise<void>;
}

/** Whether `source` names a URL to download rather than a file path. */
export function isUrl(source: string | URL): boolean {
  return source instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^data:/i.test(source);
}

function cachePath(url: string, dir: string): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const name = basename(new URL(url).pathname).replace(/[^\w.-]/g, '_') || 'download';
  return join(dir, `${key}-${name}`);
}

/** Reads a file path (or `file:` URL) or downloads an `http(s):` URL through the cache. */
export async function readSource(source: string | URL, options: SourceOptions, where: string): Promise<ReadBytes> {
  const text = String(source);
  const noop = async () => undefined;
  if (!isUrl(source) || text.startsWith('file:')) {
    const path = text.startsWith('file:') ? fileURLToPath(text) : text;
    try {
      const buffer = await readFile(path);
      return {
        bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        source: path,
        cached: false,
        commit: noop,
        evict: noop,
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
  const useCache = (options.cache ?? true) && !text.startsWith('data:');
  const file = useCache ? cachePath(text, options.cacheDir ?? defaultCacheDir()) : undefined;
  if (file !== undefined) {
    try {
      const buffer = await readFile(file);
      return {
        bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        source: text,
        cached: true,
        commit: noop,
        evict: () => rm(file, { force: true }),
      };
    } catch {
      // Not cached yet: download.
    }
  }
  const bytes = await fetchBytes(text, options, where);
  return {
    bytes,
    source: text,
    cached: false,
    evict: noop,
    commit: async () => {
      if (file === undefined) return;
      // Write beside, then rename: a crash never leaves a half-written file under the final name.
      const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
      try {
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(temporary, bytes);
        await rename(temporary, file);
      } catch (cause) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw new DatasetError(
          `${where}: could not store ${text} in the download cache ${file} (${String(cause)}). Pass { cacheDir } to a writable folder or { cache: false }.`,
          { source: text, cause },
        );
      }
    },
  };
}
