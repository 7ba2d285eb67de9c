// The on-disk download cache. Each download is stored under a name derived from its URL, beside a
// record of its size and SHA-256 taken when it was stored; a read checks the size before reading
// and the hash after, so a flipped byte or a swapped file is caught instead of returned as data.
// Every write is atomic (a temporary file renamed into place).
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '@vae/core';
import { writeFileAtomic } from '@vae/core/internal';
import { sha256Hex } from '../idx/checksum.js';

/** Where one URL lives in the cache: its bytes and the record of their integrity. */
export interface CacheEntry {
  /** The URL the entry holds. */
  url: string;
  /** The cached bytes, exactly as downloaded. */
  file: string;
  /** The integrity record: JSON `{ url, bytes, sha256 }` of `file`. */
  record: string;
}

/** What the cache holds for a URL: good bytes, nothing, or a copy that failed its record. */
export type CacheRead =
  | { status: 'hit'; bytes: Uint8Array }
  | { status: 'missing' }
  | { status: 'corrupt'; reason: string };

/** The integrity record stored beside each cached file. */
interface IntegrityRecord {
  url: string;
  bytes: number;
  sha256: string;
}

/** The cache entry of `url` in the folder `dir`. */
export function cacheEntry(url: string, dir: string): CacheEntry {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const name = basename(new URL(url).pathname).replace(/[^\w.-]/g, '_') || 'download';
  const file = join(dir, `${key}-${name}`);
  return { url, file, record: `${file}.integrity.json` };
}

function parseRecord(text: string): IntegrityRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<IntegrityRecord> | null;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof value.url === 'string' &&
      Number.isSafeInteger(value.bytes) &&
      (value.bytes as number) >= 0 &&
      typeof value.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(value.sha256)
    ) {
      return value as IntegrityRecord;
    }
  } catch {
    // Falls through: an unreadable record is no record.
  }
  return undefined;
}

/**
 * Reads a cache entry and checks it against its record: the size before the bytes are read, the
 * SHA-256 after. A file without a record (written by an older version, or a crash between the
 * two writes) counts as missing, so it is downloaded again rather than trusted.
 */
export async function readCacheEntry(entry: CacheEntry): Promise<CacheRead> {
  let size: number;
  try {
    size = (await stat(entry.file)).size;
  } catch {
    return { status: 'missing' };
  }
  let recordText: string;
  try {
    recordText = await readFile(entry.record, 'utf8');
  } catch {
    return { status: 'missing' };
  }
  const record = parseRecord(recordText);
  if (record === undefined) {
    return { status: 'corrupt', reason: `its integrity record ${entry.record} is not valid` };
  }
  if (record.url !== entry.url) {
    return { status: 'corrupt', reason: `its integrity record ${entry.record} is for another URL (${record.url})` };
  }
  if (size !== record.bytes) {
    return { status: 'corrupt', reason: `it holds ${size} bytes, but ${record.bytes} were stored` };
  }
  let buffer: Buffer;
  try {
    buffer = await readFile(entry.file);
  } catch (cause) {
    return { status: 'corrupt', reason: `it cannot be read (${String(cause)})` };
  }
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== record.sha256) {
    return { status: 'corrupt', reason: `its SHA-256 is ${sha256}, but ${record.sha256} was stored` };
  }
  return { status: 'hit', bytes };
}

/** Stores a download and its integrity record, each atomically; failures name the folder and the fix. */
export async function writeCacheEntry(entry: CacheEntry, bytes: Uint8Array, where: string): Promise<void> {
  const record: IntegrityRecord = { url: entry.url, bytes: bytes.length, sha256: await sha256Hex(bytes) };
  try {
    // The bytes first: a crash between the two writes leaves a file without a record (or with
    // the old one, which no longer matches), and either is downloaded again.
    await writeFileAtomic(entry.file, bytes);
    await writeFileAtomic(entry.record, `${JSON.stringify(record, null, 2)}\n`);
  } catch (cause) {
    throw new DatasetError(
      `${where}: could not store ${entry.url} in the download cache ${entry.file} (${String(cause)}). Pass { cacheDir } to a writable folder or { cache: false }.`,
      { source: entry.url, cause },
    );
  }
}

/** Removes a cache entry (the bytes and the record). */
export async function removeCacheEntry(entry: CacheEntry): Promise<void> {
  await rm(entry.file, { force: true });
  await rm(entry.record, { force: true });
}
