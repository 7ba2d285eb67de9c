import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bundledWasmBinaries,
  locateWasmBinaries,
  resolveWasmPaths,
  WASM_BINARY_NAMES,
  wasmBinaryName,
  wasmBinaryUrl,
} from './wasm-binaries.js';

describe('wasm binaries', () => {
  it('finds the wasm binaries of the installed package in Node', () => {
    const folder = locateWasmBinaries(import.meta.url);
    expect(folder).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/);
    for (const name of WASM_BINARY_NAMES) expect(existsSync(`${folder}${name}`)).toBe(true);
    expect(locateWasmBinaries('')).toBeUndefined();
  });

  it("keeps the caller's paths, and in Node uses the installed folder", () => {
    expect(resolveWasmPaths('/static/wasm/', import.meta.url)).toBe('/static/wasm/');
    expect(resolveWasmPaths(undefined, import.meta.url)).toBe(locateWasmBinaries(import.meta.url));
  });

  it("names one URL per binary for bundlers, each ending in the binary's own file name", () => {
    // Unbundled (as here) the URLs are relative to this module; a bundler replaces each.
    const urls = bundledWasmBinaries();
    expect(Object.keys(urls).sort()).toEqual([...WASM_BINARY_NAMES].sort());
    for (const name of WASM_BINARY_NAMES) {
      expect(urls[name]).toMatch(new RegExp(`/@tensorflow/tfjs-backend-wasm/dist/${name.replace(/\./g, '\\.')}$`));
    }
  });

  it('picks the binary tfjs-backend-wasm picks for the capabilities', () => {
    expect(wasmBinaryName(false, false)).toBe('tfjs-backend-wasm.wasm');
    expect(wasmBinaryName(false, true)).toBe('tfjs-backend-wasm.wasm');
    expect(wasmBinaryName(true, false)).toBe('tfjs-backend-wasm-simd.wasm');
    expect(wasmBinaryName(true, true)).toBe('tfjs-backend-wasm-threaded-simd.wasm');
  });

  it('resolves where tfjs fetches a binary from a prefix or a map, against the page', () => {
    const page = 'https://app.example/tools/index.html';
    expect(wasmBinaryUrl('/wasm/', 'tfjs-backend-wasm-simd.wasm', page)).toBe(
      'https://app.example/wasm/tfjs-backend-wasm-simd.wasm',
    );
    expect(wasmBinaryUrl('wasm/', 'tfjs-backend-wasm.wasm', page)).toBe(
      'https://app.example/tools/wasm/tfjs-backend-wasm.wasm',
    );
    const map = {
      'tfjs-backend-wasm.wasm': 'https://cdn.example/a.wasm',
      'tfjs-backend-wasm-simd.wasm': './b.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm': '/c.wasm',
    };
    expect(wasmBinaryUrl(map, 'tfjs-backend-wasm.wasm', page)).toBe('https://cdn.example/a.wasm');
    expect(wasmBinaryUrl(map, 'tfjs-backend-wasm-simd.wasm', page)).toBe('https://app.example/tools/b.wasm');
    expect(wasmBinaryUrl(map, 'tfjs-backend-wasm-threaded-simd.wasm', page)).toBe('https://app.example/c.wasm');
    expect(wasmBinaryUrl(undefined, 'tfjs-backend-wasm.wasm', page)).toBeUndefined();
  });
});
