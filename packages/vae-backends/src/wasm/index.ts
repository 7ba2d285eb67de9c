export type { WasmTrainingKernelsReport } from './register-wasm-training-kernels.js';
export {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  wasmTrainingKernelsInstalled,
} from './register-wasm-training-kernels.js';
