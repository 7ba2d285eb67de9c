/**
 * Choosing and loading a TensorFlow.js backend, and fast training in Node without native code.
 *
 * - {@link useBackend} loads and activates a backend (`'auto'` picks the fastest that starts) and
 *   checks that tfjs really switched to it; the optional native and browser backends are loaded
 *   on demand, with an error that says what to install.
 * - {@link registerWasmTrainingKernels} gives the `wasm` backend what training needs: the missing
 *   `Conv2DBackpropFilter`, and fast matrix products with transposed operands and
 *   `Conv2DBackpropInput` (conv2dTranspose), all equal to the `cpu` backend's results.
 * - The `@vae/backends/node` entry trains on every core with `worker_threads`.
 *
 * @packageDocumentation
 */

export type {
  ActiveBackend,
  BackendAttempt,
  BackendChoice,
  BackendName,
  UseBackendOptions,
} from './backends/index.js';
export { BROWSER_AUTO_ORDER, NODE_AUTO_ORDER, useBackend } from './backends/index.js';
export type { WasmTrainingKernelsReport } from './wasm/index.js';
export {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  wasmTrainingKernelsInstalled,
} from './wasm/index.js';

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/backends';
