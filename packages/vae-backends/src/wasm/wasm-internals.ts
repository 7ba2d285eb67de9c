// Every member of a tfjs backend that this package reads and tfjs does not document: the wasm
// backend's (its tensors' heap offsets, its memory, views of the heap, its outputs) and the one of
// the cpu backend that the cpu fixes read, described structurally so that this package depends on
// the backends' behaviour, not on their class declarations. Kernels reach them only through this
// module. They were written against TESTED_TFJS_VERSION: checkTfjsVersion (../backends/
// tfjs-version.ts) checks the installed release, checkWasmBackend that the members are there, and
// wasm-internals.test.ts that they behave.
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';
import { installedTfjsVersions, TESTED_TFJS_VERSION } from '../backends/tfjs-version.js';

/** Bookkeeping the wasm backend keeps for each tensor it holds. */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
}

/** The wasm backend as our kernels see it. */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: object): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  /** Counts one more tensor that shares `dataId`'s buffer (a `KernelBackend` method). */
  incRef(dataId: object): void;
}

/** The member at `path` (dot-separated) of `value`, or `undefined`. */
function member(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split('.')) {
    at = (typeof at === 'object' && at !== null) || typeof at === 'function' ? Reflect.get(at, key) : undefined;
  }
  return at;
}

/** The wasm backend's methods our kernels call. */
const WASM_METHODS = ['dataIdMap.get', 'makeOutput', 'typedArrayFromHeap', 'disposeData', 'incRef'];

/**
 * Checks that `backend` (the wasm backend, `tf.findBackend('wasm')`) has the members our kernels
 * use, once, before training: `dataIdMap.get`, `makeOutput`, `typedArrayFromHeap`, `disposeData`,
 * `incRef` and the memory at `wasm.asm.memory`.
 *
 * @throws `BackendError` naming the missing members, the installed tfjs versions and the tested one.
 */
export function checkWasmBackend(backend: unknown): asserts backend is WasmBackendLike {
  const missing = WASM_METHODS.filter((path) => typeof member(backend, path) !== 'function');
  if (wasmMemory(backend) === undefined) missing.push('wasm.asm.memory');
  if (missing.length === 0) return;
  const { core, wasm } = installedTfjsVersions();
  throw new BackendError(
    `@vae/backends: the wasm backend of @tensorflow/tfjs-backend-wasm ${wasm} (with @tensorflow/tfjs-core ${core}) has no ${missing.join(', ')}, which the wasm training kernels use; they were written for tfjs ${TESTED_TFJS_VERSION}. ` +
      `Install @tensorflow/tfjs-core@${TESTED_TFJS_VERSION} and @tensorflow/tfjs-backend-wasm@${TESTED_TFJS_VERSION} (one copy of each).`,
    { backend: 'wasm' },
  );
}

/** Arguments every kernel function receives. */
export interface KernelArgs<I, A> {
  inputs: I;
  backend: WasmBackendLike;
  attrs: A;
}

type AnyKernelFunc = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Runs another kernel registered for wasm (or the saved original of one we replaced) and returns
 * its single output. The caller owns the output and disposes it with {@link release}.
 */
export function runKernel(
  kernelFunc: AnyKernelFunc,
  backend: WasmBackendLike,
  inputs: tf.NamedTensorInfoMap,
  attrs: object = {},
): tf.TensorInfo {
  const out = kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  return Array.isArray(out) ? out[0]! : out;
}

/** The kernel function registered for `name` on wasm right now. */
export function wasmKernel(name: string): AnyKernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) {
    throw new BackendError(
      `@vae/backends: the wasm kernel ${name} is not registered. Import @tensorflow/tfjs-backend-wasm 4.22.0 (one copy) before training on wasm.`,
      { backend: 'wasm' },
    );
  }
  return config.kernelFunc as AnyKernelFunc;
}

/** Releases an intermediate tensor made inside a kernel. */
export function release(backend: WasmBackendLike, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The wasm backend's memory, where it exposes it. */
export function wasmMemory(backend: unknown): WebAssembly.Memory | undefined {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** A view of a tensor's data on the wasm heap, typed by its dtype; take it after the last allocation. */
export function heapView(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(info);
}

/** A view of a float32 tensor's data on the wasm heap; take it after the last allocation. */
export function heapF32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The output of a copy that shares the input's buffer (tensors are immutable in tfjs). */
export function shareData(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** The byte offset of a tensor's data on the wasm heap (stays valid when the heap grows). */
export function heapOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)?.memoryOffset as number;
}

/** Reshapes without copying (the wasm Reshape kernel shares the data). */
export function reshapeInfo(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runKernel(wasmKernel('Reshape'), backend, { x }, { shape });
}

/** Swaps the last two axes of a tensor with the wasm Transpose kernel. */
export function transposeLastTwo(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runKernel(wasmKernel('Transpose'), backend, { x }, { perm });
}

/** The cpu backend as the cpu fixes see it. */
export interface CpuBackendLike {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** The values of a tensor held by the cpu backend (its own array, not a copy: do not write to it). */
export function cpuValues(backend: CpuBackendLike, info: tf.TensorInfo): tf.backend_util.BackendValues {
  return backend.data.get(info.dataId).values;
}

/**
 * A float32 tensor's values without a copy where the active backend allows it (wasm keeps them on
 * its heap; the view is valid until the next allocation), otherwise `dataSync()`.
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as Partial<WasmBackendLike>;
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') {
    return backend.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}
