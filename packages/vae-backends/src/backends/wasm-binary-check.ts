/** The part of `fetch` the check needs, so tests can pass their own. */
export type WasmFetch = (
  url: string,
  init?: { credentials?: 'same-origin' },
) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** The first four bytes of every WebAssembly module: `\0asm`. */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

/** How to get the binaries served, for every message that says they were not. */
export const WASM_SERVING_FIX =
  'Vite and webpack 5 production builds copy the binaries into the build output by themselves (keep them when you ' +
  'deploy). Elsewhere copy node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm to a folder your server serves ' +
  "as application/wasm and pass useBackend('wasm', { wasmPaths: '/that-folder/' }), or pass a URL per binary.";

function printable(bytes: Uint8Array): string {
  const text = Array.from(bytes.subarray(0, 24), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join(
    '',
  );
  return JSON.stringify(text);
}

/**
 * Fetches the wasm binary at `url` the way tfjs does and says what is wrong with the answer:
 * the request failed, the server answered an error status, or the body is not WebAssembly (a
 * server that answers unknown paths with the app's `index.html` gives status 200 and HTML).
 * Returns `undefined` when the answer is a WebAssembly module, so something else stopped the
 * backend.
 *
 * @param url - The absolute URL tfjs fetched.
 * @param fetchImpl - `fetch`, or a stand-in.
 */
export async function checkWasmBinary(url: string, fetchImpl: WasmFetch): Promise<string | undefined> {
  let response: Awaited<ReturnType<WasmFetch>>;
  try {
    response = await fetchImpl(url, { credentials: 'same-origin' });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `the request failed (${why})`;
  }
  const type = response.headers.get('content-type');
  const servedAs = type === null ? 'with no Content-Type' : `as ${type}`;
  if (!response.ok) {
    return `the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `reading the response failed (${why})`;
  }
  if (bytes.length < WASM_MAGIC.length || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    const html = /^\s*</.test(new TextDecoder().decode(bytes.subarray(0, 64)));
    return (
      `the server answered HTTP ${response.status} ${servedAs} with ${bytes.length} bytes that are not WebAssembly ` +
      `(they start ${printable(bytes)})` +
      (html ? ': an HTML page, as servers send for a path they have no file for' : '')
    );
  }
  return undefined;
}

/** What {@link explainWasmStartFailure} needs to know. */
export interface WasmStartFailure {
  /** The absolute URL of the binary tfjs fetched, or `undefined` when it guessed the place itself. */
  readonly url: string | undefined;
  /** `fetch`, or a stand-in; `undefined` where there is none. */
  readonly fetch: WasmFetch | undefined;
}

/**
 * The reason for a wasm backend that did not start in a browser: names the binary's URL and
 * what the server answered, then how to serve the binaries. When the binary arrived intact, it
 * says so and where else to look.
 */
export async function explainWasmStartFailure(failure: WasmStartFailure): Promise<string> {
  if (failure.url === undefined) {
    return `tfjs looked for its binaries next to its own script, where a bundled app does not have them. ${WASM_SERVING_FIX}`;
  }
  const problem = failure.fetch === undefined ? undefined : await checkWasmBinary(failure.url, failure.fetch);
  if (problem !== undefined)
    return `its binary could not be fetched from ${failure.url}: ${problem}. ${WASM_SERVING_FIX}`;
  const fetched = failure.fetch === undefined ? 'is expected at' : 'arrived intact from';
  return (
    `its binary ${fetched} ${failure.url}, so the cause is elsewhere: tfjs's warning in the console names it. ` +
    'Check that the app bundles one copy of @tensorflow/tfjs-core and that the binary is the one of the installed @tensorflow/tfjs-backend-wasm (4.22.0).'
  );
}
