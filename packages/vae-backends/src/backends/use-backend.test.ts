import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError, defaultTrainingEngine, setDefaultTrainingEngine } from '@vae/core';
import { afterEach, describe, expect, it } from 'vitest';
import { wasmTrainingKernelsInstalled } from '../wasm/index.js';
import { type BackendName, useBackend } from './index.js';

afterEach(async () => {
  await tf.setBackend('cpu');
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('useBackend', () => {
  it("modifies no tfjs prototype, and makes the automatic engine vae.fit's default (or the in-thread one)", async () => {
    const applyGradients = tf.AdamOptimizer.prototype.applyGradients;
    const minimize = tf.Optimizer.prototype.minimize;
    setDefaultTrainingEngine(undefined);
    await useBackend('wasm');
    expect(tf.AdamOptimizer.prototype.applyGradients).toBe(applyGradients);
    expect(tf.Optimizer.prototype.minimize).toBe(minimize);
    expect(defaultTrainingEngine()?.name).toBe('auto');
    await useBackend('cpu', { trainingEngine: 'in-thread' });
    expect(defaultTrainingEngine()?.name).toBe('in-thread');
    await expect(useBackend('cpu', { trainingEngine: 'fast' as never })).rejects.toThrow(
      /trainingEngine must be 'auto' or 'in-thread', got "fast"/,
    );
    setDefaultTrainingEngine(undefined);
  });

  it('activates wasm with the training kernels, from the installed binaries', async () => {
    const active = await useBackend('wasm');
    // Node 20 keeps relaxed SIMD behind a V8 flag, which useBackend turns on (relaxedSimd: true)
    expect(active).toEqual({
      name: 'wasm',
      tfjsName: 'wasm',
      wasmTrainingKernels: true,
      fusedMultiplyAdd: true,
      skipped: [],
    });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmTrainingKernelsInstalled()).toBe(true);
    const sum = tf.tidy(() =>
      tf
        .sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same'))
        .dataSync(),
    );
    expect(sum[0]).toBe(100); // 4 corners × 4 + 8 edges × 6 + 4 inner × 9
  });

  it('activates cpu and reports no wasm kernels there', async () => {
    const active = await useBackend('cpu');
    expect(active.name).toBe('cpu');
    expect(active.wasmTrainingKernels).toBe(false);
    expect(active.fusedMultiplyAdd).toBe(false);
    expect(tf.getBackend()).toBe('cpu');
    // tfjs-backend-cpu's upsampling gradient is corrected: image 1's pixel (0, 0) gets dy 16, 17, 20, 21
    const dx = tf.tidy(() => {
      const dy = tf.reshape(tf.range(0, 32), [2, 4, 4, 1]);
      const [g] = tf.grads((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [4, 4]), dy)),
      )([tf.zeros([2, 2, 2, 1])]);
      return g as tf.Tensor;
    });
    expect(dx.dataSync()[4]).toBe(16 + 17 + 20 + 21);
    dx.dispose();
  });

  it("picks wasm under 'auto' in Node when the native packages are absent, and says why it skipped them", async () => {
    const active = await useBackend('auto');
    expect(active.name).toBe('wasm');
    expect(active.wasmTrainingKernels).toBe(true);
    expect(active.skipped.map((s) => s.backend)).toEqual(['node-gpu', 'node']);
    for (const s of active.skipped) expect(s.error).toBeInstanceOf(BackendError);
  });

  it("follows options.candidates under 'auto'", async () => {
    const active = await useBackend('auto', { candidates: ['webgpu', 'cpu'] });
    expect(active.name).toBe('cpu');
    expect(active.skipped.map((s) => s.backend)).toEqual(['webgpu']);
  });

  it.each([
    ['node', /could not load @tensorflow\/tfjs-node .*npm i @tensorflow\/tfjs-node@4\.22\.0.*useBackend\('wasm'\)/],
    ['node-gpu', /npm i @tensorflow\/tfjs-node-gpu@4\.22\.0.*CUDA 11\.2 and cuDNN 8\.1/],
    ['webgl', /npm i @tensorflow\/tfjs-backend-webgl@4\.22\.0.*browser/],
    ['webgpu', /npm i @tensorflow\/tfjs-backend-webgpu@4\.22\.0.*navigator\.gpu/],
  ] as const)('names what to install when %s is missing', async (name, message) => {
    const error = await rejection(useBackend(name as BackendName));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).backend).toBe(name);
    expect((error as BackendError).message).toMatch(message);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown backend name with a ConfigError', async () => {
    const error = await rejection(useBackend('tpu' as BackendName));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/useBackend: unknown backend "tpu". Pass one of 'auto', 'wasm'/);
    const candidate = await rejection(useBackend('auto', { candidates: ['gpu' as BackendName] }));
    expect(candidate).toBeInstanceOf(ConfigError);
    expect((candidate as ConfigError).field).toBe('options.candidates');
  });

  it("fails under 'auto' with every reason when no candidate starts", async () => {
    const error = await rejection(useBackend('auto', { candidates: ['node', 'webgl'] }));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/none of node, webgl started.*tfjs-node@4\.22\.0.*webgl@4\.22\.0/);
  });

  it('can skip installing the wasm training kernels (earlier installs stay)', async () => {
    const active = await useBackend('wasm', { trainingKernels: false });
    expect(active.name).toBe('wasm');
    expect(active.wasmTrainingKernels).toBe(wasmTrainingKernelsInstalled());
  });

  it('rejects a wasmPaths map that lacks a binary, naming it', async () => {
    const error = await rejection(useBackend('wasm', { wasmPaths: { 'tfjs-backend-wasm.wasm': '/a.wasm' } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('options.wasmPaths');
    expect((error as ConfigError).message).toMatch(
      /useBackend\('wasm'\): options\.wasmPaths has no URL for tfjs-backend-wasm-simd\.wasm, tfjs-backend-wasm-threaded-simd\.wasm\./,
    );
  });
});
