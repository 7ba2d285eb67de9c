import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import {
  type BatchLogs,
  buildConditionalVAE,
  buildConvVAE,
  buildMlpVAE,
  ConfigError,
  type EpochLogs,
  exponentialDecay,
  fitVAE,
  linearKlWarmup,
  ShapeError,
  type VAE,
} from '@vae/core';
import { describe, expect, it } from 'vitest';
import { type FitParallelOptions, fitParallel } from '../../src/parallel/index.js';
import { seededUniform } from '../reference-models.js';
import { TSX_WORKER } from '../reference-replica.js';

// Runs from the TypeScript sources: the workers load through tsx.
const SOURCES = { workerScript: TSX_WORKER } as const;

function weightsOf(vae: VAE): Float32Array[] {
  return vae.trainableVariables.map((v) => v.dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((w, k) => {
    const other = b[k] as Float32Array;
    expect(w.length).toBe(other.length);
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs((w[i] as number) - (other[i] as number)));
  });
  return worst;
}

function maxMove(a: Float32Array[], b: Float32Array[]): number {
  return maxAbsDiff(a, b);
}

/** Records what the callbacks see, without the wall-clock fields. */
function recorder() {
  const batches: BatchLogs[] = [];
  const epochs: Omit<EpochLogs, 'seconds'>[] = [];
  return {
    batches,
    epochs,
    callback: {
      onBatchEnd: (logs: BatchLogs) => {
        batches.push({ ...logs });
      },
      onEpochEnd: (logs: EpochLogs) => {
        const { seconds: _seconds, ...rest } = logs;
        epochs.push(rest);
      },
    },
  };
}

function expectLogsClose(actual: object[], expected: object[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    const want = expected[i] as Record<string, unknown>;
    expect(Object.keys(row).sort()).toEqual(Object.keys(want).sort());
    for (const [key, value] of Object.entries(row)) {
      const other = want[key];
      if (typeof value === 'number' && Number.isNaN(other)) {
        expect(value, `${key} of row ${i}`).toBeNaN(); // before the first read-back, as in fitVAE
      } else if (typeof value === 'number' && typeof other === 'number' && !Number.isInteger(other)) {
        expect(Math.abs(value - other), `${key} of row ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(other)));
      } else {
        expect(value, `${key} of row ${i}`).toEqual(other);
      }
    }
  });
}

/** Real MNIST digits from core's test fixture, 2x2-averaged to 14x14 and flattened: [n, 196]. */
function digits(n: number): tf.Tensor2D {
  const file = new URL('../../../vae-core/test/fixtures/mnist-sample.bin.gz', import.meta.url);
  const bytes = gunzipSync(readFileSync(file));
  const pixels = Float32Array.from(bytes.subarray(1000, 1000 + n * 784), (b) => b / 255);
  return tf.tidy(() => tf.reshape(tf.avgPool(tf.tensor4d(pixels, [n, 28, 28, 1]), 2, 2, 'valid'), [n, 196]));
}

const mlp = () => buildMlpVAE({ inputShape: [12], hiddenUnits: [7], latentDim: 3, seed: 5 });

describe('fitParallel', () => {
  it('trains an MLP VAE like core fitVAE: same batches, noise, schedules, logs and final weights', async () => {
    const x = tf.tensor2d(seededUniform(5)(26 * 12), [26, 12]);
    const common = {
      epochs: 2,
      batchSize: 7, // 20 training rows: batches of 7, 7, 6 split 3/4, 3/4, 3/3 between two workers
      seed: 3,
      validationSplit: 0.25,
      learningRate: exponentialDecay({ initial: 2e-2, decayRate: 0.5, decaySteps: 4 }),
      klWarmup: linearKlWarmup({ duration: 4 }),
      logInterval: 2,
    };
    const reference = mlp();
    const initial = weightsOf(reference);
    const seen = recorder();
    const history = await fitVAE(reference, x, { ...common, callbacks: [seen.callback] });

    const vae = mlp();
    const parallelSeen = recorder();
    const before = tf.memory().numTensors;
    const parallel = await fitParallel(vae, x, {
      ...common,
      callbacks: [parallelSeen.callback],
      workers: 2,
      backend: 'cpu',
      ...SOURCES,
    });
    expect(tf.memory().numTensors).toBe(before);
    // Core's single-process fit on the main thread (cpu) and two cpu workers: the same model.
    expect(maxAbsDiff(weightsOf(vae), weightsOf(reference))).toBeLessThanOrEqual(1e-5);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(1e-2);
    expect(parallel.steps).toBe(history.steps);
    expect(parallel.stopReason).toBe('completed');
    expectLogsClose(parallelSeen.batches, seen.batches);
    expectLogsClose(parallelSeen.epochs, seen.epochs);
    expect(parallel.epochs[1]?.valLoss).toBeDefined();

    // On wasm (the default backend), one worker and two workers agree, and stay near the cpu run;
    // this MLP runs the fused dense step there, and tfjs autodiff when it is turned off.
    const one = mlp();
    const two = mlp();
    const autodiff = mlp();
    await fitParallel(one, x, { ...common, workers: 1, ...SOURCES });
    await fitParallel(two, x, { ...common, workers: 2, ...SOURCES });
    await fitParallel(autodiff, x, { ...common, workers: 2, fusedDenseVae: false, ...SOURCES });
    expect(maxAbsDiff(weightsOf(one), weightsOf(two))).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(weightsOf(two), weightsOf(reference))).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(weightsOf(two), weightsOf(autodiff))).toBeLessThanOrEqual(1e-4);
    tf.dispose(x);
    for (const m of [reference, vae, one, two, autodiff]) m.dispose();
  });

  it('trains a conv VAE on two wasm workers like core fitVAE on one thread', async () => {
    const build = () => buildConvVAE({ inputShape: [8, 8, 1], filters: [2, 3], denseUnits: 4, latentDim: 2, seed: 2 });
    const x = tf.tensor4d(seededUniform(9)(11 * 64), [11, 8, 8, 1]);
    const common = { epochs: 2, batchSize: 5, seed: 4, learningRate: 1e-2 }; // batches 5, 5, 1
    const reference = build();
    const initial = weightsOf(reference);
    const history = await fitVAE(reference, x, common);
    const vae = build();
    const parallel = await fitParallel(vae, x, { ...common, workers: 2, ...SOURCES });
    expect(maxAbsDiff(weightsOf(vae), weightsOf(reference))).toBeLessThanOrEqual(1e-4);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(1e-3);
    parallel.epochs.forEach((e, i) => {
      expect(Math.abs(e.loss - (history.epochs[i]?.loss as number))).toBeLessThan(1e-3);
    });
    tf.dispose(x);
    reference.dispose();
    vae.dispose();
  });

  it('lowers the loss on real digits without growing the main thread tensors', async () => {
    const x = digits(256);
    const vae = buildMlpVAE({ inputShape: [196], hiddenUnits: [32], latentDim: 4, seed: 1 });
    const before = tf.memory().numTensors;
    const history = await fitParallel(vae, x, { epochs: 4, batchSize: 32, seed: 1, learningRate: 3e-3, ...SOURCES });
    expect(tf.memory().numTensors).toBe(before);
    const losses = history.epochs.map((e) => e.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3] as number).toBeLessThan(0.9 * (losses[0] as number));
    // The model holds the trained weights: its own loss on the data agrees with the last epoch.
    const evaluated = await vae.evaluate(x, { seed: 1 });
    expect(evaluated.loss).toBeLessThan(losses[0] as number);
    tf.dispose(x);
    vae.dispose();
  });

  it('stops on abort and callbacks and keeps the trained weights', async () => {
    const x = tf.tensor2d(seededUniform(7)(40 * 12), [40, 12]);
    const vae = mlp();
    const initial = weightsOf(vae);
    const controller = new AbortController();
    let batches = 0;
    const tensorsBefore = tf.memory().numTensors;
    const history = await fitParallel(vae, x, {
      epochs: 3,
      batchSize: 8,
      seed: 1,
      workers: 2,
      signal: controller.signal,
      callbacks: [
        {
          onBatchEnd: () => {
            batches += 1;
            if (batches === 3) controller.abort();
          },
        },
      ],
      ...SOURCES,
    });
    expect(history.stopReason).toBe('aborted');
    expect(history.steps).toBe(3);
    // The batch read ahead while the third step trained is dropped, not leaked.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(0);

    const stopped = await fitParallel(vae, x, {
      epochs: 5,
      batchSize: 8,
      workers: 2,
      callbacks: [{ onEpochEnd: (_, context) => context.stop('earlyStopping') }],
      ...SOURCES,
    });
    expect(stopped.stopReason).toBe('earlyStopping');
    expect(stopped.epochs).toHaveLength(1);
    tf.dispose(x);
    vae.dispose();
  });

  it('trains a conditional MLP VAE with the fused step like core fitVAE, with class ids or one-hot labels', async () => {
    const x = tf.tensor2d(seededUniform(12)(24 * 12), [24, 12]);
    const ids = tf.tensor1d(
      Array.from({ length: 24 }, (_, i) => (i * 5) % 3),
      'int32',
    );
    const oneHot = tf.cast(tf.oneHot(ids, 3), 'float32');
    const build = () =>
      buildConditionalVAE({ inputShape: [12], numClasses: 3, hiddenUnits: [8], latentDim: 4, seed: 2 });
    const common = { epochs: 2, batchSize: 8, seed: 4, learningRate: 2e-2 };
    const reference = build();
    const initial = weightsOf(reference);
    await fitVAE(reference, { x, labels: ids }, common);
    const fromIds = build();
    const fromOneHot = build();
    const autodiff = build();
    await fitParallel(fromIds, { x, labels: ids }, { ...common, workers: 2, ...SOURCES });
    await fitParallel(fromOneHot, { x, labels: oneHot }, { ...common, workers: 2, ...SOURCES });
    await fitParallel(autodiff, { x, labels: ids }, { ...common, workers: 2, fusedDenseVae: false, ...SOURCES });
    expect(maxAbsDiff(weightsOf(fromIds), weightsOf(reference))).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(weightsOf(fromOneHot), weightsOf(fromIds))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(weightsOf(autodiff), weightsOf(fromIds))).toBeLessThanOrEqual(1e-4);
    expect(maxMove(weightsOf(fromIds), initial)).toBeGreaterThan(1e-2);
    tf.dispose([x, ids, oneHot]);
    for (const m of [reference, fromIds, fromOneHot, autodiff]) m.dispose();
  });

  it('stops at a batch of the wrong shape after training the ones before, leaking nothing', async () => {
    const vae = mlp();
    const initial = weightsOf(vae);
    const good = tf.tensor2d(seededUniform(8)(8 * 12), [8, 12]);
    const bad = tf.tensor2d(seededUniform(9)(8 * 11), [8, 11]);
    const before = tf.memory().numTensors;
    let steps = 0;
    // Batches handed over as tensors the loop owns (a function returning a fresh iterable).
    const data = () =>
      (function* () {
        yield { x: tf.clone(good) };
        yield { x: tf.clone(good) };
        yield { x: tf.clone(bad) };
        yield { x: tf.clone(good) };
      })();
    const error = await fitParallel(vae, data, {
      epochs: 1,
      workers: 2,
      callbacks: [
        {
          onBatchEnd: () => {
            steps += 1;
          },
        },
      ],
      ...SOURCES,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(/batch 3 of epoch 1 has shape \[8, 11\]/);
    expect(steps).toBe(2);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([good, bad]);
    vae.dispose();
  });

  it('rejects bad and unsupported options with typed errors before starting workers', async () => {
    const x = tf.zeros([8, 12]);
    const vae = mlp();
    const cases: Array<[FitParallelOptions | Record<string, unknown>, RegExp]> = [
      [{ workers: 0 }, /workers must be a positive integer, got 0/],
      [{ epochs: 1.5 }, /epochs must be a positive integer/],
      [{ batchSize: 0 }, /batchSize must be a positive integer/],
      [{ optimizer: tf.train.sgd(0.1) }, /option 'optimizer' is not supported \(the workers each run Adam/],
      [{ clipNorm: 0 }, /clipNorm must be a positive number, got 0/],
      [{ resume: {} }, /resume must be the resume state of loadCheckpoint/],
      [{ epoch: 2 }, /unknown option 'epoch'/],
      [{ validationSplit: 1 }, /validationSplit must lie in \[0, 1\)/],
      [{ seed: 0.5 }, /seed must be an integer/],
      [{ labels: tf.zeros([8]) }, /the model is unconditional/],
      [{ learningRate: Number.NaN }, /learningRate/],
    ];
    for (const [options, message] of cases) {
      const error = await fitParallel(vae, x, options as FitParallelOptions).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(fitParallel(vae, 'nope' as never, SOURCES)).rejects.toBeInstanceOf(ConfigError);
    tf.dispose(x);
    vae.dispose();
  });
});
