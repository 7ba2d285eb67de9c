import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { locateWasmBinaries } from './wasm-binaries.js';
import { checkWasmBinary, explainWasmStartFailure, type WasmFetch } from './wasm-binary-check.js';

const URL_SIMD = 'https://app.example/assets/tfjs-backend-wasm-simd-3f2a.wasm';

/** A fetch that answers every request with one response, and records what it was asked. */
function answering(status: number, body: Uint8Array | string, type: string | null, requests: string[] = []): WasmFetch {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return async (url) => {
    requests.push(url);
    return {
      ok: status >= 200 && status < 300,
      status,
      statusText: status === 404 ? 'Not Found' : status === 200 ? 'OK' : '',
      headers: { get: (name: string) => (name.toLowerCase() === 'content-type' ? type : null) },
      arrayBuffer: async () => bytes.slice().buffer,
    };
  };
}

const realBinary = new Uint8Array(readFileSync(`${locateWasmBinaries(import.meta.url)}tfjs-backend-wasm-simd.wasm`));

describe('checkWasmBinary', () => {
  it('names the status of a binary the server does not have', async () => {
    const requests: string[] = [];
    const problem = await checkWasmBinary(URL_SIMD, answering(404, 'not found', 'text/plain', requests));
    expect(problem).toBe('the server answered HTTP 404 Not Found');
    expect(requests).toEqual([URL_SIMD]);
  });

  it("recognises the app's index.html served in the binary's place, with its type and first bytes", async () => {
    const page = '<!doctype html>\n<html><head><title>app</title></head></html>';
    const problem = await checkWasmBinary(URL_SIMD, answering(200, page, 'text/html; charset=utf-8'));
    expect(problem).toBe(
      `the server answered HTTP 200 as text/html; charset=utf-8 with ${page.length} bytes that are not WebAssembly ` +
        `(they start "<!doctype html>.<html><h"): an HTML page, as servers send for a path they have no file for`,
    );
  });

  it('says when the response is neither WebAssembly nor HTML, or has no type', async () => {
    const problem = await checkWasmBinary(URL_SIMD, answering(200, new Uint8Array([1, 2]), null));
    expect(problem).toBe(
      'the server answered HTTP 200 with no Content-Type with 2 bytes that are not WebAssembly (they start "..")',
    );
  });

  it('passes the real binary, whatever type it is served as (browsers compile it from bytes too)', async () => {
    expect(Array.from(realBinary.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(await checkWasmBinary(URL_SIMD, answering(200, realBinary, 'application/wasm'))).toBeUndefined();
    expect(await checkWasmBinary(URL_SIMD, answering(200, realBinary, 'application/octet-stream'))).toBeUndefined();
  });

  it('reports a request that fails, such as a blocked cross-origin fetch', async () => {
    const refusing: WasmFetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await checkWasmBinary(URL_SIMD, refusing)).toBe('the request failed (Failed to fetch)');
  });
});

describe('explainWasmStartFailure', () => {
  it('names the URL, the cause and how to serve the binaries', async () => {
    const message = await explainWasmStartFailure({ url: URL_SIMD, fetch: answering(404, '', 'text/plain') });
    expect(message).toMatch(
      /^its binary could not be fetched from https:\/\/app\.example\/assets\/tfjs-backend-wasm-simd-3f2a\.wasm: the server answered HTTP 404 Not Found\. /,
    );
    expect(message).toMatch(/Vite and webpack 5 production builds copy the binaries/);
    expect(message).toMatch(/useBackend\('wasm', \{ wasmPaths: '\/that-folder\/' \}\)/);
    expect(message).not.toMatch(/npm i/);
  });

  it('says the binary arrived when it did, and points elsewhere', async () => {
    const message = await explainWasmStartFailure({
      url: URL_SIMD,
      fetch: answering(200, realBinary, 'application/wasm'),
    });
    expect(message).toMatch(
      /^its binary arrived intact from https:\/\/app\.example\/.*one copy of @tensorflow\/tfjs-core/,
    );
  });

  it("explains tfjs's own guess when no location was given", async () => {
    const message = await explainWasmStartFailure({ url: undefined, fetch: undefined });
    expect(message).toMatch(/^tfjs looked for its binaries next to its own script.*wasmPaths/);
  });
});
