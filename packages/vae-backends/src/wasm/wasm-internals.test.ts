// The members of the tfjs backends that wasm-internals.ts reaches into, checked on the installed
// tfjs: a failure here names the member and the version, and means a tfjs upgrade broke them.
import '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TESTED_TFJS_VERSION } from '../backends/tfjs-version.js';
import {
  type CpuBackendLike,
  checkWasmBackend,
  cpuValues,
  heapF32,
  heapOffset,
  heapView,
  shareData,
  type WasmBackendLike,
  wasmMemory,
} from './wasm-internals.js';

/** The message of a failed check: which member, on which tfjs. */
const about = (member: string) =>
  `${member} of the wasm backend in @tensorflow/tfjs-backend-wasm ${version_wasm} (our kernels were written for ${TESTED_TFJS_VERSION})`;

const VALUES = [1.5, -2, 3.25, 0, 7, 8, -9.5, 10];

describe(`wasm backend internals (tfjs-backend-wasm ${version_wasm})`, () => {
  let previous: string;
  let backend: WasmBackendLike;
  let x: tf.Tensor1D;

  beforeAll(async () => {
    previous = tf.getBackend();
    expect(await tf.setBackend('wasm')).toBe(true);
    const active = tf.backend();
    checkWasmBackend(active);
    backend = active;
    x = tf.tensor1d(VALUES);
  });

  afterAll(async () => {
    x.dispose();
    await tf.setBackend(previous);
  });

  it('has every member the kernels use (checkWasmBackend)', () => {
    expect(() => checkWasmBackend(tf.backend())).not.toThrow();
  });

  it('keeps its memory at wasm.asm.memory', () => {
    expect(wasmMemory(backend), about('wasm.asm.memory')).toBeInstanceOf(WebAssembly.Memory);
  });

  it("keeps each tensor's byte offset in dataIdMap.get(dataId).memoryOffset, where its values lie", () => {
    const offset = heapOffset(backend, x);
    const memory = wasmMemory(backend) as WebAssembly.Memory;
    expect(typeof offset, about('dataIdMap.get(dataId).memoryOffset')).toBe('number');
    expect(offset % 4, about('memoryOffset (float32 alignment)')).toBe(0);
    expect(offset + 4 * VALUES.length, about('memoryOffset')).toBeLessThanOrEqual(memory.buffer.byteLength);
    expect(Array.from(new Float32Array(memory.buffer, offset, VALUES.length)), about('memoryOffset')).toEqual(VALUES);
  });

  it("gives a view of a tensor's values with typedArrayFromHeap", () => {
    expect(Array.from(heapF32(backend, x)), about('typedArrayFromHeap')).toEqual(VALUES);
    const ints = tf.tensor1d([3, -1, 4], 'int32');
    const view = heapView(backend, ints);
    expect(view, about('typedArrayFromHeap (int32)')).toBeInstanceOf(Int32Array);
    expect(Array.from(view)).toEqual([3, -1, 4]);
    ints.dispose();
  });

  it('allocates outputs on the heap with makeOutput and frees them with disposeData', () => {
    const held = tf.backend().numDataIds();
    const out = backend.makeOutput([2, 4], 'float32');
    expect(tf.backend().numDataIds(), about('makeOutput')).toBe(held + 1);
    expect(out.shape, about('makeOutput')).toEqual([2, 4]);
    heapF32(backend, out).set(VALUES);
    expect(
      Array.from(new Float32Array((wasmMemory(backend) as WebAssembly.Memory).buffer, heapOffset(backend, out), 8)),
    ).toEqual(VALUES);
    expect(backend.disposeData(out.dataId), about('disposeData')).toBe(true);
    expect(tf.backend().numDataIds(), about('disposeData')).toBe(held);
  });

  it('counts a shared buffer with incRef, so shareData outlives one disposal', () => {
    const held = tf.backend().numDataIds();
    const y = tf.tensor1d([1, 2, 3, 4]);
    const refs = () => tf.backend().refCount(y.dataId);
    expect(refs()).toBe(1);
    const shared = shareData(backend, y);
    expect(refs(), about('incRef')).toBe(2);
    expect(shared.dataId).toBe(y.dataId);
    expect(backend.disposeData(y.dataId), about('disposeData with a shared buffer')).toBe(false);
    expect(Array.from(heapF32(backend, shared))).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(held);
  });

  it('names what is missing, the installed tfjs and the tested one, when a member is gone', () => {
    const stripped = Object.create(tf.backend(), { typedArrayFromHeap: { value: undefined } });
    let error: unknown;
    try {
      checkWasmBackend(stripped);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    const message = (error as BackendError).message;
    expect(message).toContain('has no typedArrayFromHeap');
    expect(message).toContain(`@tensorflow/tfjs-backend-wasm ${version_wasm}`);
    expect(message).toContain(`Install @tensorflow/tfjs-core@${TESTED_TFJS_VERSION}`);
    expect(() => checkWasmBackend({})).toThrow(/has no dataIdMap.get, makeOutput, .*wasm\.asm\.memory/);
  });
});

describe('cpu backend internals', () => {
  it("reads a tensor's values from data.get(dataId).values", async () => {
    const previous = tf.getBackend();
    try {
      await tf.setBackend('cpu');
      const x = tf.tensor1d(VALUES);
      const values = cpuValues(tf.backend() as unknown as CpuBackendLike, x);
      expect(values, 'data.get(dataId).values of the cpu backend').toBeInstanceOf(Float32Array);
      expect(Array.from(values as Float32Array)).toEqual(VALUES);
      x.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });
});
