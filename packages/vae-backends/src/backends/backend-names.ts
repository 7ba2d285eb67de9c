/**
 * A backend {@link useBackend} can activate: `'wasm'` (WebAssembly, with this package's training
 * kernels), `'cpu'` (pure JavaScript), `'node'` and `'node-gpu'` (native TensorFlow through the
 * optional `@tensorflow/tfjs-node` / `-node-gpu` packages), `'webgl'` and `'webgpu'` (browsers).
 *
 * @category Backends
 */
export type BackendName = 'wasm' | 'cpu' | 'node' | 'node-gpu' | 'webgl' | 'webgpu';

/**
 * What {@link useBackend} accepts: a backend, or `'auto'` for the fastest one that loads.
 *
 * @category Backends
 */
export type BackendChoice = BackendName | 'auto';

/** Every backend name, in no particular order. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze([
  'wasm',
  'cpu',
  'node',
  'node-gpu',
  'webgl',
  'webgpu',
]);

/**
 * The order `'auto'` tries in Node: native GPU, native CPU, wasm with our kernels, pure JS.
 *
 * @category Backends
 */
export const NODE_AUTO_ORDER: readonly BackendName[] = Object.freeze(['node-gpu', 'node', 'wasm', 'cpu']);

/**
 * The order `'auto'` tries in a browser.
 *
 * @category Backends
 */
export const BROWSER_AUTO_ORDER: readonly BackendName[] = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu']);

/** The name tfjs registers each backend under (both native packages register `tensorflow`). */
export const TFJS_NAME: Readonly<Record<BackendName, string>> = Object.freeze({
  wasm: 'wasm',
  cpu: 'cpu',
  node: 'tensorflow',
  'node-gpu': 'tensorflow',
  webgl: 'webgl',
  webgpu: 'webgpu',
});

/** The npm package that provides each backend, at the version this package is built for. */
export const BACKEND_PACKAGE: Readonly<Record<BackendName, string>> = Object.freeze({
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  node: '@tensorflow/tfjs-node',
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
});

/** The tfjs version every package of this workspace pins. */
export const TFJS_VERSION = '4.22.0';
