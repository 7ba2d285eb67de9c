// The few members of the tfjs wasm backend that our kernels use, described structurally so that
// this package depends on the backend's behaviour, not on its private class declaration.
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';

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

/** A view of a float32 tensor's data on the wasm heap; take it after the last allocation. */
export function heapF32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
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
