/**
 * Choosing and loading a TensorFlow.js backend, and fast training in Node without native code.
 *
 * - {@link useBackend} loads and activates a backend (`'auto'` picks the fastest that starts) and
 *   checks that tfjs really switched to it; the optional native and browser backends are loaded
 *   on demand, with an error that says what to install.
 * - {@link registerWasmTrainingKernels} gives the `wasm` backend what training needs: the missing
 *   `Conv2DBackpropFilter`, and fast matrix products with transposed operands and
 *   `Conv2DBackpropInput` (conv2dTranspose), all equal to the `cpu` backend's results.
 * - Training engines for `vae.fit` of `@vae/core`: {@link workerEngine} trains on every core with
 *   worker threads (tfjs-autodiff replicas, or the fused MLP step for MLP VAEs),
 *   {@link autoEngine} asks {@link planTraining} which engine is fastest for the model, and
 *   `useBackend` makes that automatic choice `vae.fit`'s default. {@link VAEAdam} is Adam in one
 *   pass per variable on wasm.
 * - The `@vae/backends/node` entry has the parallel trainer underneath, for models of your own.
 *
 * @packageDocumentation
 */

export type {
  ActiveBackend,
  BackendAttempt,
  BackendChoice,
  BackendName,
  TfjsVersions,
  UseBackendOptions,
} from './backends/index.js';
export {
  BROWSER_AUTO_ORDER,
  checkTfjsVersion,
  installedTfjsVersions,
  NODE_AUTO_ORDER,
  TESTED_TFJS_VERSION,
  useBackend,
} from './backends/index.js';
export type { AutoEngineOptions, PlanTrainingOptions, TrainingPlan } from './engines/plan.js';
export { autoEngine, engineOf, planTraining } from './engines/plan.js';
export type { WorkerEngineOptions } from './engines/worker-engine.js';
export { workerEngine } from './engines/worker-engine.js';
export type { NamedWeight } from './optimizers/vae-adam.js';
export { VAEAdam } from './optimizers/vae-adam.js';
export type { MlpVAEActivation, MlpVAELikelihood, MlpVAESpec } from './parallel/mlp-vae-spec.js';
export type { ParallelStrategyName } from './parallel/parallel-trainer.js';
export type { MlpVAESupport } from './parallel/vae-replica.js';
export { mlpVAESupport } from './parallel/vae-replica.js';
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
