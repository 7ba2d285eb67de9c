import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';
import { ADAM_UPDATE, adamUpdate } from './adam.js';
import { makeConv2D, makeFusedConv2D } from './conv2d.js';
import { makeConv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { makeConv2DBackpropInput } from './conv2d-backprop-input.js';
import { makeRowGather } from './gather.js';
import { makeTransposingMatMul, untransposedMatMul } from './mat-mul.js';
import { makeResizeNearestNeighbor, makeResizeNearestNeighborGrad } from './resize.js';
import { makeSharingCast, makeSharingIdentity } from './shared-copies.js';
import { makeConcat, makeSplitV, makeUnpack } from './slices.js';
import { makeSum } from './sum.js';
import { makeBlockTranspose } from './transpose.js';

/**
 * What {@link registerWasmTrainingKernels} did.
 *
 * @category Kernels
 */
export interface WasmTrainingKernelsReport {
  /** The kernels this call registered for wasm, replacing or adding (empty when already installed). */
  readonly registered: readonly string[];
  /** Every kernel of ours that is installed on wasm now. */
  readonly installed: readonly string[];
}

/** Kernel functions of ours, so a second call (or a second copy of this package) sees them. */
const OURS = Symbol.for('@vae/backends/wasm-training-kernel');
/** The wasm backend's own kernel function, kept on our replacement of it. */
const ORIGINAL = Symbol.for('@vae/backends/original-kernel');

type OriginalKernel = Parameters<typeof makeTransposingMatMul>[0];

type KernelFunc = tf.KernelConfig['kernelFunc'];

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && (config.kernelFunc as unknown as Record<symbol, unknown>)[OURS] === true;
}

function mark(kernelFunc: unknown): KernelFunc {
  (kernelFunc as Record<symbol, unknown>)[OURS] = true;
  return kernelFunc as KernelFunc;
}

/**
 * The kernels {@link registerWasmTrainingKernels} installs on the wasm backend.
 *
 * @category Kernels
 */
export const WASM_TRAINING_KERNELS: readonly string[] = Object.freeze([
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Sum',
  'Identity',
  'Cast',
  'GatherV2',
  'Transpose',
  'SplitV',
  'Unpack',
  'Concat',
  'FusedConv2D',
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborGrad',
  ADAM_UPDATE,
]);

/**
 * Installs this package's training kernels on the tfjs `wasm` backend:
 *
 * - the kernel training needs that wasm lacks: `Conv2DBackpropFilter`;
 * - matrix products: `BatchMatMul` and `_FusedMatMul`, plain and with transposed operands;
 * - convolutions: `Conv2D`, `FusedConv2D` (linear or `relu`), and `Conv2DBackpropInput`, which is
 *   also conv2dTranspose's forward pass;
 * - `Sum` over leading axes, which every bias gradient asks for;
 * - data movement: `Identity` and same-dtype `Cast` share the input's buffer instead of copying
 *   it; `GatherV2` of whole rows (the shuffled batches of training) is one copy per row;
 *   `Transpose` of the last two axes runs as SIMD 4×4 blocks; `SplitV`, `Unpack` and `Concat`
 *   (an LSTM's gates and time steps) and `ResizeNearestNeighbor` and its gradient (whole-factor
 *   upsampling) run as SIMD strided copies;
 * - `VAEAdamUpdate`: the whole Adam update of a variable as one SIMD pass, which `tf.train.adam`
 *   optimizers use while wasm is the active backend (instead of fourteen elementwise kernels per
 *   variable; other backends keep the optimizer's own update, and its state and saved weights are
 *   the same either way).
 *
 * The matrix products, `Conv2D` and `Conv2DBackpropFilter` run on a hand-assembled WebAssembly
 * SIMD product that reads its operands in place on the wasm heap, with fused multiply-adds where
 * WebAssembly relaxed SIMD is on (see {@link UseBackendOptions.relaxedSimd}); shapes it does not
 * take (an output width that is not a multiple of 4) use the backend's own product. Every kernel
 * computes the same values as the `cpu` backend to float32 rounding (about 1e-6 relative).
 * Calling it again is harmless. It can run before or after the wasm backend is initialised, and
 * does not change which backend is active. {@link useBackend} calls it for `'wasm'` and `'auto'`.
 *
 * @returns Which kernels this call registered, and which of ours are installed.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerWasmTrainingKernels } from '@vae/backends';
 *
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm'); // conv models now train on wasm
 * ```
 * @category Kernels
 */
export function registerWasmTrainingKernels(): WasmTrainingKernelsReport {
  const registered: string[] = [];
  const install = (name: string, kernelFunc: unknown, replaced: tf.KernelConfig | undefined): void => {
    if (replaced !== undefined) tf.unregisterKernel(name, 'wasm');
    const config: tf.KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc: mark(kernelFunc) };
    // The replaced kernel's set-up (binding its wasm export) is still needed by our version.
    if (replaced?.setupFunc !== undefined) config.setupFunc = replaced.setupFunc;
    tf.registerKernel(config);
    registered.push(name);
  };
  const current = (name: string): tf.KernelConfig | undefined => tf.getKernel(name, 'wasm');
  const backendOwn = (config: tf.KernelConfig | undefined): OriginalKernel | undefined => {
    if (config === undefined) return undefined;
    const func = config.kernelFunc as unknown as Record<symbol, unknown>;
    return (isOurs(config) ? func[ORIGINAL] : config.kernelFunc) as OriginalKernel | undefined;
  };

  const batchMatMul = backendOwn(current('BatchMatMul'));
  if (batchMatMul === undefined) {
    throw new BackendError(
      'registerWasmTrainingKernels: the wasm backend has no BatchMatMul kernel. Install @tensorflow/tfjs-backend-wasm 4.22.0 (exactly one copy, the same version as @tensorflow/tfjs-core).',
      { backend: 'wasm' },
    );
  }
  const plainMatMul = untransposedMatMul(batchMatMul);
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const config = current(name);
    const own = backendOwn(config);
    if (config === undefined || isOurs(config) || own === undefined) continue;
    const kernelFunc = makeTransposingMatMul(own);
    (kernelFunc as unknown as Record<symbol, unknown>)[ORIGINAL] = own;
    install(name, kernelFunc, config);
  }
  const filterGrad = current('Conv2DBackpropFilter');
  if (!isOurs(filterGrad)) install('Conv2DBackpropFilter', makeConv2DBackpropFilter(plainMatMul), filterGrad);
  const inputGrad = current('Conv2DBackpropInput');
  if (!isOurs(inputGrad)) install('Conv2DBackpropInput', makeConv2DBackpropInput(), inputGrad);

  const wrapping: [string, (own: OriginalKernel) => unknown][] = [
    ['Sum', makeSum],
    ['Identity', makeSharingIdentity],
    ['Cast', makeSharingCast],
    ['GatherV2', makeRowGather],
    ['Transpose', makeBlockTranspose],
    ['Conv2D', makeConv2D],
    ['SplitV', makeSplitV],
    ['Unpack', makeUnpack],
    ['Concat', makeConcat],
    ['FusedConv2D', makeFusedConv2D],
    ['ResizeNearestNeighbor', makeResizeNearestNeighbor],
    ['ResizeNearestNeighborGrad', makeResizeNearestNeighborGrad],
  ];
  for (const [name, make] of wrapping) {
    const config = current(name);
    const own = backendOwn(config);
    if (config === undefined || isOurs(config) || own === undefined) continue;
    const kernelFunc = make(own);
    (kernelFunc as Record<symbol, unknown>)[ORIGINAL] = own;
    install(name, kernelFunc, config);
  }

  const adam = current(ADAM_UPDATE);
  if (!isOurs(adam)) install(ADAM_UPDATE, adamUpdate, adam);

  const installed = WASM_TRAINING_KERNELS.filter((name) => isOurs(current(name)));
  return { registered, installed };
}

/**
 * Whether every training kernel of this package is installed on wasm right now.
 *
 * @returns `true` after {@link registerWasmTrainingKernels} (or {@link useBackend} with `'wasm'`).
 * @example
 * ```ts
 * import { wasmTrainingKernelsInstalled } from '@vae/backends';
 *
 * console.log(wasmTrainingKernelsInstalled());
 * ```
 * @category Kernels
 */
export function wasmTrainingKernelsInstalled(): boolean {
  return WASM_TRAINING_KERNELS.every((name) => isOurs(tf.getKernel(name, 'wasm')));
}
