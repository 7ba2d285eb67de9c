// Backend choice for the page, through @vae/backends' useBackend: webgl, then wasm (with the
// training kernels), then cpu; it always checks the name tfjs reports, because setBackend can
// fail quietly and leave tfjs on another backend.
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { useBackend } from '@vae/backends';

/** Backends the page offers. */
export type WebBackend = 'auto' | 'webgl' | 'wasm' | 'cpu';

/** The bundler gives each wasm binary its own URL: the wasm backend must be told where they are. */
const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
};

/**
 * Activates a backend (`auto`: webgl, wasm, cpu in turn) and returns its name.
 *
 * @throws BackendError (from @vae/core) when the asked-for backend does not start.
 */
export async function activateBackend(choice: WebBackend): Promise<string> {
  const active = await useBackend(choice, { wasmPaths: WASM_PATHS, candidates: ['webgl', 'wasm', 'cpu'] });
  return active.name;
}
