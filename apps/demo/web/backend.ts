// Backend choice for the page: webgl, then wasm, then cpu, always checking the name tfjs reports
// (setBackend can fail quietly and leave tfjs on another backend).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';

// The bundler gives each binary its own URL: tell the wasm backend where they are.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

/** Backends the page offers. */
export type WebBackend = 'auto' | 'webgl' | 'wasm' | 'cpu';

async function tryBackend(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Activates a backend (`auto`: webgl, wasm, cpu in turn) and returns the name tfjs reports.
 * Throws when the asked-for backend does not start.
 */
export async function activateBackend(choice: WebBackend): Promise<string> {
  const order = choice === 'auto' ? ['webgl', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (await tryBackend(name)) return tf.getBackend();
  }
  throw new BackendError(`the ${choice} backend did not start in this browser (tfjs is on '${tf.getBackend()}').`, {
    backend: choice,
  });
}
