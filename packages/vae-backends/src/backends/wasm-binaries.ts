import { isNode } from './environment.js';

/**
 * Where the wasm backend's binaries live, as tfjs's `setWasmPaths` takes it: a folder prefix
 * (ending in `/`, or the platform's separator in Node), or a URL per binary name.
 */
export type WasmPaths = string | Readonly<Record<string, string>>;

/** The three builds of `@tensorflow/tfjs-backend-wasm`; tfjs fetches one of them. */
export const WASM_BINARY_NAMES = Object.freeze([
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const);

/** One of {@link WASM_BINARY_NAMES}. */
export type WasmBinaryName = (typeof WASM_BINARY_NAMES)[number];

interface NodeModuleBuiltin {
  createRequire(from: string): { resolve(request: string): string };
}

/**
 * The folder (with a trailing separator) that holds the installed wasm binaries, found the way
 * Node resolves packages from this file; `undefined` outside Node or where it cannot be found.
 * Uses `process.getBuiltinModule` so the browser entry carries no `node:` import.
 */
export function locateWasmBinaries(fromUrl: string): string | undefined {
  if (!isNode()) return undefined;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const moduleBuiltin = proc?.getBuiltinModule?.('node:module') as NodeModuleBuiltin | undefined;
  const pathBuiltin = proc?.getBuiltinModule?.('node:path') as { dirname(p: string): string; sep: string } | undefined;
  if (moduleBuiltin === undefined || pathBuiltin === undefined || fromUrl === '') return undefined;
  try {
    const require = moduleBuiltin.createRequire(fromUrl);
    const simd = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    return pathBuiltin.dirname(simd) + pathBuiltin.sep;
  } catch {
    return undefined;
  }
}

/**
 * The binaries' URLs in a bundled web app. Vite and webpack 5 both read the literal
 * `new URL('<package path>', import.meta.url)` at build time: they copy the file into the build
 * output and put its final URL here, so the binaries are served wherever the app is, with no
 * set-up by the user. Without a bundler these URLs point next to this module and are wrong:
 * pass `wasmPaths` there. Each call must stay a literal for the bundlers to see it.
 */
export function bundledWasmBinaries(): Record<WasmBinaryName, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url)
      .href,
    'tfjs-backend-wasm-simd.wasm': new URL(
      '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      import.meta.url,
    ).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(
      '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
      import.meta.url,
    ).href,
  };
}

/**
 * The wasm paths {@link useBackend} gives tfjs: the caller's, else in Node the installed package's
 * folder, else (in a browser) the bundler's URLs of the binaries.
 */
export function resolveWasmPaths(given: WasmPaths | undefined, fromUrl: string): WasmPaths | undefined {
  if (given !== undefined) return given;
  return isNode() ? locateWasmBinaries(fromUrl) : bundledWasmBinaries();
}

/** The binary tfjs-backend-wasm 4.22 loads for these capabilities (its `getPathToWasmBinary`). */
export function wasmBinaryName(simd: boolean, threads: boolean): WasmBinaryName {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

/**
 * Where tfjs fetches `name` from with these paths, as tfjs reads them: a map's entry, or the
 * prefix followed by the name; `undefined` when tfjs falls back to its own guess (next to its
 * script). Relative results are resolved against `base` (the page's URL in a browser).
 */
export function wasmBinaryUrl(paths: WasmPaths | undefined, name: WasmBinaryName, base?: string): string | undefined {
  if (paths === undefined) return undefined;
  const path = typeof paths === 'string' ? paths + name : paths[name];
  if (path === undefined) return undefined;
  try {
    return new URL(path, base).href;
  } catch {
    return path;
  }
}
