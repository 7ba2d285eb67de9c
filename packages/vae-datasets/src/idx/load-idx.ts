import { CHECKSUM_HELP, verifySha256 } from './checksum.js';
import { type FetchOptions, fetchBytes } from './fetch-bytes.js';
import { type Gunzip, gunzipWeb, maybeGunzip } from './gzip.js';
import { type IdxArray, parseIdx } from './parse-idx.js';

/**
 * Options of {@link loadIdx}.
 *
 * @category Datasets
 */
export interface LoadIdxOptions extends FetchOptions {
  /**
   * Expected SHA-256 (hex) of the uncompressed IDX content; a mismatch is an error. Checked
   * after decompression, so it does not depend on how the file was compressed.
   * @defaultValue undefined (no check)
   */
  sha256?: string;
}

/** How {@link decodeIdxBytes} checks and inflates. */
export interface DecodeIdxOptions {
  /** Expected SHA-256 of the uncompressed content. */
  sha256?: string;
  /** The uncompressed size of the file `sha256` names, when known: gzip may not inflate beyond it. */
  maxBytes?: number;
  /** The inflater; {@link gunzipWeb} by default. */
  gunzip?: Gunzip;
  /** How a checksum or size mismatch message ends: what happened to the file, and the fix. */
  help?: string;
}

/** Decompresses (when gzip), verifies and parses downloaded or read bytes. */
export async function decodeIdxBytes(
  raw: Uint8Array,
  source: string,
  options: DecodeIdxOptions,
  where: string,
): Promise<IdxArray> {
  const { sha256, maxBytes, help = CHECKSUM_HELP } = options;
  const limit =
    sha256 !== undefined && maxBytes !== undefined
      ? {
          bytes: maxBytes,
          why: `the size of the file with SHA-256 ${sha256.toLowerCase()}: it is another file. ${help}`,
        }
      : undefined;
  const bytes = await maybeGunzip(raw, source, options.gunzip ?? gunzipWeb, where, limit);
  await verifySha256(bytes, sha256, source, where, help);
  // The bytes are ours (downloaded, read or inflated here): let 8-bit data be a view, not a copy.
  return parseIdx(bytes, source, { copy: false });
}

/**
 * Downloads and parses one IDX file (gzipped or not, detected from its content) from a URL. Runs
 * in browsers and Node; `@vae/datasets/node` has a `loadIdx` that also reads paths and keeps a
 * download cache on disk.
 *
 * @param url - An `http:`, `https:` or `data:` URL (anything the `fetch` in use accepts).
 * @param options - Injected `fetch`, timeout, checksum, see {@link LoadIdxOptions}.
 * @returns The parsed array.
 * @throws `DatasetError` on a network error, an HTTP status other than 2xx, a
 *   cut-short body, a timeout, a `.gz` name on data that is not gzip, corrupt gzip data, a
 *   checksum mismatch, or invalid IDX content; the message names the URL.
 *
 * @example
 * <!-- runner: skip (downloads from a URL; CI has no network) -->
 * ```ts
 * import { loadIdx } from '@vae/datasets';
 *
 * const labels = await loadIdx('https://example.com/mnist/t10k-labels-idx1-ubyte.gz');
 * console.log(labels.shape); // [10000]
 * ```
 *
 * @category Datasets
 */
export async function loadIdx(url: string | URL, options: LoadIdxOptions = {}): Promise<IdxArray> {
  const href = String(url);
  const raw = await fetchBytes(href, options, 'loadIdx');
  return decodeIdxBytes(raw, href, options, 'loadIdx');
}
