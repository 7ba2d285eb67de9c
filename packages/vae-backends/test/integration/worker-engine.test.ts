import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type BatchLogs,
  buildConditionalVAE,
  buildConvVAE,
  buildMlpVAE,
  buildVAE,
  ConfigError,
  type EpochLogs,
  exponentialDecay,
  fitVAE,
  linearKlWarmup,
  progressReporter,
  ShapeError,
} from '@vae/core';
import { describe, expect, it } from 'vitest';
import { type WorkerEngineOptions, workerEngine } from '../../src/engines/worker-engine.js';
import { maxAbsDiff, weightsOf } from '../model-weights.js';
import { seededUniform } from '../reference-models.js';
import { TSX_WORKER } from '../reference-replica.js';

// Runs from the TypeScript sources: the workers load through tsx.
const SOURCES = { workerScript: TSX_WORKER } as const;

/** `fit`'s options with a worker engine: workers 2 on wasm unless told otherwise. */
function on(engine: WorkerEngineOptions = {}) {
  return { engine: workerEngine({ workers: 2, ...SOURCES, ...engine }), verbose: 0 as const };
}

const maxMove = maxAbsDiff;

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

describe('the worker engine', () => {
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
    const parallel = await vae.fit(x, { ...common, callbacks: [parallelSeen.callback], ...on({ backend: 'cpu' }) });
    expect(parallel.engine).toEqual({
      name: 'workers',
      description: '2 workers (cpu, tfjs autodiff replicas; the workers run on cpu, the fused MLP step on wasm)',
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
    // this MLP runs the fused MLP step there, and tfjs autodiff when it is turned off.
    const one = mlp();
    const two = mlp();
    const autodiff = mlp();
    await one.fit(x, { ...common, ...on({ workers: 1 }) });
    const fused = await two.fit(x, { ...common, ...on() });
    expect(fused.engine?.description).toBe('2 workers (wasm, fused MLP step)');
    await autodiff.fit(x, { ...common, ...on({ strategy: 'autodiff' }) });
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
    const parallel = await vae.fit(x, { ...common, ...on() });
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
    const history = await vae.fit(x, { epochs: 4, batchSize: 32, seed: 1, learningRate: 3e-3, ...on() });
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
    const history = await vae.fit(x, {
      epochs: 3,
      batchSize: 8,
      seed: 1,
      ...on(),
      signal: controller.signal,
      callbacks: [
        {
          onBatchEnd: () => {
            batches += 1;
            if (batches === 3) controller.abort();
          },
        },
      ],
    });
    expect(history.stopReason).toBe('aborted');
    expect(history.steps).toBe(3);
    // The batch read ahead while the third step trained is dropped, not leaked.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(0);

    const stopped = await vae.fit(x, {
      epochs: 5,
      batchSize: 8,
      ...on(),
      callbacks: [{ onEpochEnd: (_, context) => context.stop('earlyStopping') }],
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
    await fromIds.fit({ x, labels: ids }, { ...common, ...on() });
    await fromOneHot.fit({ x, labels: oneHot }, { ...common, ...on() });
    await autodiff.fit({ x, labels: ids }, { ...common, ...on({ strategy: 'autodiff' }) });
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
    const error = await vae
      .fit(data, {
        epochs: 1,
        ...on(),
        callbacks: [
          {
            onBatchEnd: () => {
              steps += 1;
            },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(
      /fit: batch 3 of epoch 1 has shape \[8, 11\], the model expects \[batch, 12\]/,
    );
    expect(steps).toBe(2);
    expect(maxMove(weightsOf(vae), initial)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([good, bad]);
    vae.dispose();
  });

  it('refuses what it cannot honour with a ConfigError naming the option', async () => {
    const x = tf.zeros([8, 12]);
    const vae = mlp();
    expect(() => workerEngine({ workers: 0 })).toThrow(/workers must be a positive integer, got 0/);
    const sgd = await vae.fit(x, { optimizer: tf.train.sgd(0.1), ...on() }).catch((e: unknown) => e);
    expect(sgd).toBeInstanceOf(ConfigError);
    expect((sgd as ConfigError).field).toBe('optimizer');
    expect((sgd as Error).message).toMatch(/option 'optimizer' is a SGD; the worker engine trains with Adam/);
    const freeBits = buildMlpVAE({ inputShape: [12], hiddenUnits: [7], latentDim: 3, freeBits: 0.25 });
    const floored = await freeBits.fit(x, { ...on({ backend: 'cpu' }) }).catch((e: unknown) => e);
    expect(floored).toBeInstanceOf(ConfigError);
    expect((floored as ConfigError).field).toBe('freeBits');
    freeBits.dispose();
    const fused = await vae.fit(x, { ...on({ backend: 'cpu', strategy: 'fused-mlp' }) }).catch((e: unknown) => e);
    expect(fused).toBeInstanceOf(ConfigError);
    expect((fused as Error).message).toMatch(/the fused MLP step cannot run: the workers run on cpu/);
    tf.dispose(x);
    vae.dispose();
  });

  it("trains with a caller's Adam and leaves it holding the final state, as in-thread", async () => {
    const x = tf.tensor2d(seededUniform(21)(16 * 12), [16, 12]);
    const reference = mlp();
    const referenceAdam = tf.train.adam(2e-2);
    await reference.fit(x, { epochs: 2, batchSize: 8, seed: 2, optimizer: referenceAdam, verbose: 0 });
    const vae = mlp();
    const adam = tf.train.adam(2e-2);
    await vae.fit(x, { epochs: 2, batchSize: 8, seed: 2, optimizer: adam, ...on({ backend: 'cpu' }) });
    expect(maxAbsDiff(weightsOf(vae), weightsOf(reference))).toBeLessThanOrEqual(1e-5);
    const [a, b] = [await adam.getWeights(), await referenceAdam.getWeights()];
    // The same layout: iter, then each variable's /m, then each /v.
    const layout = (ws: { name: string }[]) => ws.map((w) => w.name.match(/iter$|\/[mv]$/)?.[0]);
    expect(layout(a)).toEqual(layout(b));
    expect(
      maxAbsDiff(
        a.map((w) => w.tensor.dataSync() as Float32Array),
        b.map((w) => w.tensor.dataSync() as Float32Array),
      ),
    ).toBeLessThanOrEqual(1e-5);
    expect(adam.iterations).toBe(4);
    tf.dispose(x);
    for (const m of [reference, vae]) m.dispose();
    adam.dispose();
    referenceAdam.dispose();
  });

  it('trains a model with a function encoder in-thread and says so once, in the history and the progress output', async () => {
    const x = tf.tensor2d(seededUniform(22)(16 * 12), [16, 12]);
    const w = tf.variable(tf.randomNormal([12, 4], 0, 0.1, 'float32', 1));
    const decoderOf = buildMlpVAE({ inputShape: [12], hiddenUnits: [7], latentDim: 2, seed: 5 });
    const vae = buildVAE({
      encoder: (input: tf.Tensor) => {
        const h = tf.matMul(input as tf.Tensor2D, w);
        return { mean: tf.slice(h, [0, 0], [-1, 2]), logVar: tf.slice(h, [0, 2], [-1, 2]) };
      },
      decoder: decoderOf.decoder as tfl.LayersModel,
      inputShape: [12],
      latentDim: 2,
      variables: [w],
    });
    const out: string[] = [];
    const history = await vae.fit(x, {
      epochs: 2,
      batchSize: 8,
      ...on(),
      callbacks: [progressReporter({ write: (s) => out.push(s) })],
    });
    expect(history.engine?.description).toBe('in-thread');
    expect(history.engine?.notice).toMatch(
      /the encoder is a function, which the workers cannot rebuild: training in-thread/,
    );
    expect(out.filter((s) => s.includes('cannot rebuild'))).toHaveLength(1);
    tf.dispose([x, w]);
    decoderOf.dispose();
  });

  it('sees an abort from a timer within one step, and one aborted before the call trains nothing', async () => {
    const x = tf.tensor2d(seededUniform(24)(4000 * 12), [4000, 12]);
    const vae = mlp();
    const before = weightsOf(vae).map((w) => Array.from(w));
    const early = new AbortController();
    early.abort();
    const none = await vae.fit(x, { epochs: 2, batchSize: 8, signal: early.signal, ...on() });
    expect(none.steps).toBe(0);
    expect(weightsOf(vae).map((w) => Array.from(w))).toEqual(before);
    const controller = new AbortController();
    let stepsAtAbort = -1;
    let lastStep = 0;
    const history = await vae.fit(x, {
      epochs: 20,
      batchSize: 8,
      signal: controller.signal,
      yieldEvery: 0,
      ...on(),
      callbacks: [
        {
          onTrainBegin() {
            setTimeout(() => {
              stepsAtAbort = lastStep;
              controller.abort();
            }, 200);
          },
          onBatchEnd(logs) {
            lastStep = logs.step;
          },
        },
      ],
    });
    expect(history.stopReason).toBe('aborted');
    expect(stepsAtAbort).toBeGreaterThanOrEqual(0);
    expect(history.steps).toBeLessThanOrEqual(stepsAtAbort + 1);
    tf.dispose(x);
    vae.dispose();
  });

  it('brings the model up to date when a callback awaits context.syncModel()', async () => {
    const x = tf.tensor2d(seededUniform(23)(24 * 12), [24, 12]);
    const vae = mlp();
    const moved: boolean[] = [];
    let previous = weightsOf(vae);
    await vae.fit(x, {
      epochs: 1,
      batchSize: 6,
      ...on({ backend: 'cpu' }),
      callbacks: [
        {
          async onBatchEnd(logs, context) {
            if (logs.step % 2 === 0) await context.syncModel();
            const now = weightsOf(vae);
            moved.push(maxAbsDiff(now, previous) > 0);
            previous = now;
          },
        },
      ],
    });
    expect(moved).toEqual([false, true, false, true]);
    tf.dispose(x);
    vae.dispose();
  });
});
