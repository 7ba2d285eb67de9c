import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DisposedError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/index.js';
import { createParallelTrainer } from '../../src/parallel/index.js';
import { relativeError } from '../compare-backends.js';
import {
  buildReferenceVAE,
  disposeVAE,
  type ReferenceDims,
  readWeights,
  seededNormal,
  seededUniform,
  trainStep,
  writeWeights,
} from '../reference-models.js';
import { REFERENCE_REPLICA, TSX_WORKER } from '../reference-replica.js';

const CONV: ReferenceDims = { kind: 'keras-conv', size: 8, filters: [3, 4], dense: 5, latent: 2 };
const MLP: ReferenceDims = { kind: 'mlp', input: 30, hidden: 11, latent: 3 };

async function singleWorker(
  dims: ReferenceDims,
  initial: Float32Array[],
  batches: { x: Float32Array; eps: Float32Array; rows: number }[],
) {
  const previous = tf.getBackend();
  await useBackend('wasm');
  try {
    const vae = buildReferenceVAE(dims);
    writeWeights(vae, initial);
    const optimizer = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (const b of batches) {
      const x = tf.tensor(b.x, [b.rows, ...vae.exampleShape]);
      const eps = tf.tensor2d(b.eps, [b.rows, vae.latent]);
      const loss = trainStep(vae, optimizer, x, eps);
      losses.push((await loss.data())[0] as number);
      tf.dispose([x, eps, loss]);
    }
    const weights = readWeights(vae);
    optimizer.dispose();
    disposeVAE(vae);
    return { losses, weights };
  } finally {
    await tf.setBackend(previous);
  }
}

describe('createParallelTrainer', () => {
  it.each([
    ['conv VAE', CONV, 2, [7, 6, 7]],
    ['MLP VAE', MLP, 3, [9, 10, 8]],
  ] as const)('trains the %s on %s workers like one worker on the whole batch', async (_, dims, workers, rows) => {
    const trainer = await createParallelTrainer({
      replica: REFERENCE_REPLICA,
      replicaOptions: { dims, learningRate: 1e-2 },
      workers,
      workerScript: TSX_WORKER,
    });
    try {
      expect(trainer.workers).toBe(workers);
      expect(trainer.backend).toBe('wasm');
      // The MLP declares itself an MLP VAE: its steps run the fused MLP step.
      expect(trainer.strategy).toBe(dims.kind === 'mlp' ? 'fused-mlp' : 'autodiff');
      const initial = await trainer.getWeights();
      const exampleSize = dims.kind === 'mlp' ? dims.input : dims.size * dims.size;
      const exampleShape = dims.kind === 'mlp' ? [dims.input] : [dims.size, dims.size, 1];
      const uniform = seededUniform(11);
      const normal = seededNormal(12);
      const batches = rows.map((r) => ({ rows: r, x: uniform(r * exampleSize), eps: normal(r * dims.latent) }));
      const losses: number[] = [];
      for (const b of batches) {
        losses.push(
          await trainer.step({
            x: { values: b.x, shape: [b.rows, ...exampleShape] },
            eps: { values: b.eps, shape: [b.rows, dims.latent] },
          }),
        );
      }
      const parallel = await trainer.getWeights();
      const reference = await singleWorker(dims, initial, batches);
      losses.forEach((loss, i) => {
        expect(Math.abs(loss - (reference.losses[i] as number)) / Math.abs(loss)).toBeLessThan(1e-5);
      });
      parallel.forEach((w, i) => {
        expect(relativeError(w, reference.weights[i] as Float32Array)).toBeLessThan(1e-4);
      });
      expect(parallel.some((w, i) => relativeError(w, initial[i] as Float32Array) > 1e-3)).toBe(true);
    } finally {
      await trainer.dispose();
    }
  });

  it('accepts tensors, round-trips weights, and rejects bad input', async () => {
    const trainer = await createParallelTrainer({
      replica: REFERENCE_REPLICA,
      replicaOptions: { dims: MLP, learningRate: 1e-3 },
      workers: 2,
      workerScript: TSX_WORKER,
      strategy: 'autodiff', // tfjs autodiff in the workers, whose failures this test provokes
    });
    try {
      expect(trainer.strategy).toBe('autodiff');
      const weights = await trainer.getWeights();
      const changed = weights.map((w) => w.map((v) => v * 0.5));
      await trainer.setWeights(changed);
      expect(relativeError((await trainer.getWeights())[0] as Float32Array, changed[0] as Float32Array)).toBe(0);
      const x = tf.zeros([4, 30]);
      const eps = tf.zeros([4, 3]);
      expect(Number.isFinite(await trainer.step({ x, eps }))).toBe(true);
      expect(x.isDisposed).toBe(false);
      tf.dispose([x, eps]);

      // One row for two workers: the second sits the step out.
      const one = {
        x: { values: new Float32Array(30).fill(0.5), shape: [1, 30] },
        eps: { values: new Float32Array(3), shape: [1, 3] },
      };
      expect(Number.isFinite(await trainer.step(one))).toBe(true);
      // A loss that throws in a worker (no eps): the step rejects and no replica changes.
      const before = await trainer.getWeights();
      await expect(trainer.step({ x: { values: new Float32Array(60), shape: [2, 30] } })).rejects.toThrow(
        /worker \d of 2 failed/,
      );
      const after = await trainer.getWeights();
      after.forEach((w, i) => {
        expect(relativeError(w, before[i] as Float32Array)).toBe(0);
      });
      expect(Number.isFinite(await trainer.step(one, { learningRate: 1e-2, scalars: { unused: 1 } }))).toBe(true);
      await expect(trainer.step(one, { learningRate: Number.NaN })).rejects.toBeInstanceOf(ConfigError);
      await expect(trainer.step(one, { scalars: { klWeight: Number.POSITIVE_INFINITY } })).rejects.toThrow(
        /scalars.klWeight must be a finite number/,
      );
      await expect(trainer.step({ x: { values: new Float32Array(0), shape: [0, 30] } })).rejects.toThrow(
        /the batch has no rows/,
      );
      await expect(
        trainer.step({
          x: { values: new Float32Array(60), shape: [2, 30] },
          eps: { values: new Float32Array(9), shape: [3, 3] },
        }),
      ).rejects.toBeInstanceOf(ShapeError);
      await expect(trainer.setWeights([new Float32Array(3)])).rejects.toThrow(/the weights needs \d+ arrays of sizes/);

      // clipNorm adds a barrier to the step: a failing clipped step leaves the workers in step.
      await expect(
        trainer.step({ x: { values: new Float32Array(60), shape: [2, 30] } }, { clipNorm: 1 }),
      ).rejects.toThrow(/worker \d of 2 failed/);
      expect(Number.isFinite(await trainer.step(one, { clipNorm: 1e-3 }))).toBe(true);
      expect(Number.isFinite(await trainer.step(one))).toBe(true);
      await expect(trainer.step(one, { clipNorm: 0 })).rejects.toThrow(/clipNorm must be a positive finite number/);

      // The optimizer state gathered from both owners, round-tripped.
      const state = await trainer.getOptimizerState();
      expect(state.className).toBe('Adam');
      expect(state.iterations).toBe(5);
      expect(state.slots.map((slot) => slot.suffix)).toEqual(['/m', '/v']);
      expect(state.slots[0]?.values.map((v) => v.length)).toEqual([...trainer.variableSizes]);
      const doubled = {
        ...state,
        slots: state.slots.map((slot) => ({ ...slot, values: slot.values.map((v) => v.map((x) => 2 * x)) })),
      };
      await trainer.setOptimizerState(doubled);
      const back = await trainer.getOptimizerState();
      back.slots.forEach((slot, g) => {
        slot.values.forEach((v, k) => {
          expect(relativeError(v, doubled.slots[g]?.values[k] as Float32Array)).toBe(0);
        });
      });
      await expect(
        trainer.setOptimizerState({ ...state, slots: [{ suffix: '/m', values: [new Float32Array(2)] }] }),
      ).rejects.toBeInstanceOf(ShapeError);
    } finally {
      await trainer.dispose();
      await trainer.dispose();
    }
    await expect(trainer.getWeights()).rejects.toBeInstanceOf(DisposedError);
  });

  it('names the problem when the replica module has no createReplica, or workers is invalid', async () => {
    const error = await createParallelTrainer({
      replica: new URL('../compare-backends.ts', import.meta.url),
      workers: 1,
      workerScript: TSX_WORKER,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/does not export a function createReplica\(options\)/);
    await expect(createParallelTrainer({ replica: REFERENCE_REPLICA, workers: 0 })).rejects.toBeInstanceOf(ConfigError);
  });
});
