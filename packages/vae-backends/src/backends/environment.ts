import { relaxedSimdAvailable } from '../wasm/gemm-simd.js';

/** True in Node (and not in a browser that happens to define `process`). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

/** The V8 flag that turns WebAssembly relaxed SIMD on in Node 20 (on by default from Node 22). */
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Makes WebAssembly relaxed SIMD (fused multiply-add) available where it can be: already on (Node
 * 22 and later, Chromium 114 and later) or, in Node 20, by turning on V8's flag for it, which
 * affects only WebAssembly modules that use relaxed instructions. Returns whether it is available.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdAvailable()) return true;
  if (!isNode()) return false;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
  try {
    v8?.setFlagsFromString(RELAXED_SIMD_FLAG);
  } catch {
    return false;
  }
  return relaxedSimdAvailable();
}
