import { DatasetError } from '@vae/core';

/**
 * The `fetch` signature loaders accept, so tests and apps can inject their own.
 *
 * @category Datasets
 */
export type FetchLike = (input: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/**
 * Options for downloading data.
 *
 * @category Datasets
 */
export interface FetchOptions {
  /**
   * The `fetch` to use (inject one for tests, proxies or authentication).
   * @defaultValue globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * Give up on a download that has not finished after this many milliseconds.
   * @defaultValue 300000 (five minutes)
   */
  timeoutMs?: number;
  /**
   * Abort the download from outside.
   * @defaultValue undefined
   */
  signal?: AbortSignal;
}

/** Downloads `url` into memory; every failure becomes a {@link DatasetError} naming the URL. */
export async function fetchBytes(url: string, options: FetchOptions, where: string): Promise<Uint8Array> {
  const { fetch = globalThis.fetch as FetchLike, timeoutMs = 300_000 } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const explain = (cause: unknown, during: string): DatasetError => {
    if (timeout.aborted) {
      return new DatasetError(
        `${where}: ${url} did not finish downloading within ${timeoutMs} ms (${during}). Check the network or raise timeoutMs.`,
        { source: url, cause },
      );
    }
    const detail =
      cause instanceof Error
        ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}`
        : String(cause);
    return new DatasetError(`${where}: network error ${during} ${url} (${detail}). Check the URL and the connection.`, {
      source: url,
      cause,
    });
  };
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    throw explain(cause, 'requesting');
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new DatasetError(
      `${where}: ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, expected 200. ` +
        'Check the URL (base URL and file name).',
      { source: url },
    );
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw explain(cause, 'reading the body of');
  }
  const declared = response.headers.get('content-length');
  const encoded = response.headers.get('content-encoding');
  if (declared !== null && (encoded === null || encoded === 'identity') && Number(declared) !== body.length) {
    throw new DatasetError(
      `${where}: ${url} sent ${body.length} bytes but announced ${declared}: the download was cut short. Try again.`,
      { source: url },
    );
  }
  return body;
}
