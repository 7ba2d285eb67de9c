import { DatasetError } from '@vae/core';

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * A function that inflates gzip data; Node passes zlib's, browsers use {@link gunzipWeb}. With
 * `maxBytes`, output beyond that many bytes is not allocated: the function rejects with a
 * `RangeError` whose `code` is `'ERR_BUFFER_TOO_LARGE'` (zlib's own error for `maxOutputLength`).
 */
export type Gunzip = (bytes: Uint8Array, maxBytes?: number) => Promise<Uint8Array>;

/** The error a {@link Gunzip} rejects with when the output would exceed `maxBytes`. */
export function outputTooLarge(maxBytes: number): RangeError {
  return Object.assign(new RangeError(`the output exceeds ${maxBytes} bytes`), { code: 'ERR_BUFFER_TOO_LARGE' });
}

function isOutputTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as RangeError & { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Inflates gzip data with the standard `DecompressionStream` (browsers, Node >= 18). */
export async function gunzipWeb(bytes: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw outputTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** At most how many bytes inflated data may hold, and the reason, for the message. */
export interface InflateLimit {
  /** The most bytes the output may hold. */
  bytes: number;
  /** Completes "<source> inflates to more than <bytes> bytes, ...": why that is wrong, and the fix. */
  why: string;
}

/**
 * Inflates `bytes` when they are gzip data. A name ending in `.gz` must hold gzip data.
 * Failures, and output beyond `limit`, become a {@link DatasetError} naming `source`.
 */
export async function maybeGunzip(
  bytes: Uint8Array,
  source: string,
  gunzip: Gunzip,
  where: string,
  limit?: InflateLimit,
): Promise<Uint8Array> {
  const named = /\.gz$/i.test(source.replace(/[?#].*$/, ''));
  if (!isGzip(bytes)) {
    if (named) {
      const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new DatasetError(
        `${where}: ${source} is named .gz but is not gzip data (it starts with ${head || 'nothing'}, expected 1f 8b). ` +
          'Check that the download completed and that the file was not decompressed already (drop the .gz suffix).',
        { source },
      );
    }
    return bytes;
  }
  try {
    return await gunzip(bytes, limit?.bytes);
  } catch (cause) {
    if (limit !== undefined && isOutputTooLarge(cause)) {
      throw new DatasetError(`${where}: ${source} inflates to more than ${limit.bytes} bytes, ${limit.why}`, {
        source,
        cause,
      });
    }
    throw new DatasetError(
      `${where}: ${source} is corrupt gzip data (${cause instanceof Error ? cause.message : String(cause)}). Download it again.`,
      { source, cause },
    );
  }
}
