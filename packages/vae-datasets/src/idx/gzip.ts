import { DatasetError } from '@vae/core';

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A function that inflates gzip data; Node passes zlib's, browsers use {@link gunzipWeb}. */
export type Gunzip = (bytes: Uint8Array) => Promise<Uint8Array>;

/** Inflates gzip data with the standard `DecompressionStream` (browsers, Node >= 18). */
export async function gunzipWeb(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Inflates `bytes` when they are gzip data. A name ending in `.gz` must hold gzip data.
 * Failures become a {@link DatasetError} naming `source`.
 */
export async function maybeGunzip(
  bytes: Uint8Array,
  source: string,
  gunzip: Gunzip,
  where: string,
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
    return await gunzip(bytes);
  } catch (cause) {
    throw new DatasetError(
      `${where}: ${source} is corrupt gzip data (${cause instanceof Error ? cause.message : String(cause)}). Download it again.`,
      { source, cause },
    );
  }
}
