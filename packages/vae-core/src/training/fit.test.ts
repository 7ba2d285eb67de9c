import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnistSample } from '../../test/fixtures/mnist-sample.js';
import { buildConditionalVAE, buildMlpVAE } from '../builders/index.js';
import { ConfigError, NonFiniteLossError, ShapeError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { earlyStopping, progressReporter } from './callbacks.js';
import { loadCheckpoint, modelCheckpoint } from './checkpoint.js';
import type { Batch } from './data.js';
import { clipByGlobalNorm } from './in-thread-engine.js';
import type { BatchLogs } from './logs.js';
import { cyclicalKlWarmup, piecewiseConstant } from './schedules.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vae-fit-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Real digits, downsampled to 14x14 and flattened: [n, 196] in [0, 1]. */
function digits(n: number): { x: tf.Tensor2D; labels: tf.Tensor1D } {
  const { x, labels } = loadMnistSample(n);
  const small = tf.tidy(() => tf.reshape(tf.avgPool(x, 2, 2, 'valid'), [n, 196]) as tf.Tensor2D);
  x.dispose();
  return { x: small, labels };
}

function tinyVAE(seed = 1, inputDim = 196): VAE {
  return buildMlpVAE({ inputShape: [inputDim], hiddenUnits: [32], latentDim: 4, seed });
}

async function weights(vae: VAE): Promise<Float32Array[]> {
  return Promise.all(vae.trainableVariables.map(async (v) => (await v.data()) as Float32Array));
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((arr, i) => {
    const other = b[i] as Float32Array;
    for (let j = 0; j < arr.length; j++) m = Math.max(m, Math.abs((arr[j] as number) - (other[j] as number)));
  });
  return m;
}

describe('fit on real digits', () => {
  it('the loss falls clearly within a few epochs, with validation split 0.3 and logs in nats', async () => {
    const { x, labels } = digits(400);
    const vae = tinyVAE();
    const history = await vae.fit(x, { epochs: 4, batchSize: 32, seed: 3, validationSplit: 0.3, learningRate: 3e-3 });
    expect(history.epochs).toHaveLength(4);
    expect(history.stopReason).toBe('completed');
    const [first, last] = [history.epochs[0], history.epochs[3]];
    expect(last?.loss).toBeLessThan((first?.loss ?? 0) * 0.85);
    expect(last?.valLoss).toBeLessThan((first?.valLoss ?? 0) * 0.9);
    for (const e of history.epochs) {
      expect(e.loss).toBeCloseTo(e.reconstruction + e.klWeight * e.beta * e.kl, 3);
      expect(e.examples).toBe(280);
      expect(e.batches).toBe(9);
      expect(e.learningRate).toBe(3e-3);
      expect(e.klWeight).toBe(1);
    }
    expect(history.steps).toBe(36);
    vae.dispose();
    tf.dispose([x, labels]);
  });

  it('trains a conditional model from { x, labels }', async () => {
    const { x, labels } = digits(200);
    const { buildConditionalVAE } = await import('../builders/index.js');
    const vae = buildConditionalVAE({
      variant: 'mlp',
      inputShape: [196],
      hiddenUnits: [32],
      latentDim: 2,
      numClasses: 10,
      seed: 2,
    });
    const history = await vae.fit({ x, labels }, { epochs: 3, batchSize: 40, seed: 1, learningRate: 3e-3 });
    expect(history.epochs[2]?.loss).toBeLessThan((history.epochs[0]?.loss ?? 0) * 0.9);
    vae.dispose();
    tf.dispose([x, labels]);
  });
});

describe('fit: memory', () => {
  it('holds the tensor count steady across 200 training steps (with validation and clipping)', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 1);
    const vae = tinyVAE(1, 12);
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const history = await vae.fit(x, {
      epochs: 25,
      batchSize: 2,
      seed: 1,
      validationData: x,
      clipNorm: 1,
      logInterval: 7,
      callbacks: [{ onBatchEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    expect(history.steps).toBe(200);
    expect(tf.memory().numTensors).toBe(before);
    // After the optimizer's state exists, the count at the same point of every epoch is the same.
    const lastBatchOfEpoch = counts.filter((_, i) => i % 8 === 7);
    expect(lastBatchOfEpoch).toHaveLength(25);
    expect(new Set(lastBatchOfEpoch.slice(1)).size).toBe(1);
    vae.dispose();
    x.dispose();
  });
});

describe('fit: schedules and warm-up', () => {
  it('applies the documented learning rate and KL weight at every step', async () => {
    const x = tf.randomUniform([24, 12], 0, 1, 'float32', 2);
    const vae = tinyVAE(1, 12);
    const optimizer = tf.train.adam(0.5);
    const lr = piecewiseConstant({ boundaries: [5, 9], values: [1e-2, 1e-3, 1e-4] });
    const kl = cyclicalKlWarmup({ cycleLength: 4, ratio: 0.5 });
    const seen: Array<{ step: number; lr: number; optimizerLr: number; kl: number }> = [];
    await vae.fit(x, {
      epochs: 3,
      batchSize: 6,
      seed: 1,
      optimizer,
      learningRate: lr,
      klWarmup: kl,
      callbacks: [
        {
          onBatchEnd: (logs: BatchLogs) =>
            void seen.push({
              step: logs.step - 1,
              lr: logs.learningRate,
              optimizerLr: (optimizer as unknown as { learningRate: number }).learningRate,
              kl: logs.klWeight,
            }),
        },
      ],
    });
    expect(seen.map((s) => s.lr)).toEqual([1e-2, 1e-2, 1e-2, 1e-2, 1e-2, 1e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4]);
    expect(seen.map((s) => s.optimizerLr)).toEqual(seen.map((s) => s.lr));
    expect(seen.map((s) => s.kl)).toEqual([0, 0.5, 1, 1, 0, 0.5, 1, 1, 0, 0.5, 1, 1]);
    optimizer.dispose();
    vae.dispose();
    x.dispose();
  });

  it('with klWarmup 0 the loss is the reconstruction alone', async () => {
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 3);
    const vae = tinyVAE(1, 12);
    const history = await vae.fit(x, { epochs: 1, batchSize: 4, seed: 1, klWarmup: 0 });
    const e = history.epochs[0];
    expect(e?.loss).toBeCloseTo(e?.reconstruction ?? Number.NaN, 4);
    expect(e?.kl).toBeGreaterThan(0);
    vae.dispose();
    x.dispose();
  });
});

describe('fit: checkpoints and resume', () => {
  it('a run stopped after epoch 2 and resumed ends with the same weights as an uninterrupted run', async () => {
    const { x, labels } = digits(96);
    const options = { batchSize: 16, seed: 11, learningRate: 2e-3 } as const;

    const straight = tinyVAE(5);
    const full = await straight.fit(x, { ...options, epochs: 4 });
    const expected = await weights(straight);

    const dir = tempDir();
    const url = `file://${join(dir, 'checkpoint')}`;
    const first = tinyVAE(5);
    await first.fit(x, { ...options, epochs: 2, callbacks: [modelCheckpoint({ path: url })] });
    first.dispose();

    const { vae: resumed, resume } = await loadCheckpoint(url);
    expect(resume.state.epoch).toBe(2);
    expect(resume.state.step).toBe(12);
    const history = await resumed.fit(x, { epochs: 4, batchSize: 16, resume });
    expect(history.epochs).toHaveLength(4);
    expect(history.steps).toBe(24);
    expect(maxAbsDiff(await weights(resumed), expected)).toBeLessThan(1e-5);
    history.epochs.forEach((e, i) => {
      expect(e.loss).toBeCloseTo(full.epochs[i]?.loss ?? Number.NaN, 3);
    });
    straight.dispose();
    resumed.dispose();
    tf.dispose([x, labels]);
  });

  it('loadCheckpoint refuses a plain saved model with a typed error', async () => {
    const vae = tinyVAE(1, 12);
    const url = `file://${join(tempDir(), 'plain')}`;
    await vae.save(url);
    await expect(loadCheckpoint(url)).rejects.toThrow(/holds a model but no training state/);
    vae.dispose();
  });

  it('a NaN in a batch stops training with NonFiniteLossError naming epoch and batch; the last checkpoint stays intact', async () => {
    const clean = tf.randomUniform([4, 12], 0, 1, 'float32', 4);
    const poisoned = tf.tidy(() => tf.concat([tf.slice(clean, 0, 3), tf.fill([1, 12], Number.NaN)]));
    let epoch = 0;
    const data = () => {
      const e = epoch++;
      return (function* (): Generator<Batch> {
        for (let b = 0; b < 4; b++) yield { x: tf.clone(e === 1 && b === 2 ? poisoned : clean) };
      })();
    };
    const vae = tinyVAE(1, 12);
    const url = `file://${join(tempDir(), 'ckpt')}`;
    const before = tf.memory().numTensors;
    const error = await vae
      .fit(data, { epochs: 3, seed: 1, logInterval: 3, callbacks: [modelCheckpoint({ path: url })] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).epoch).toBe(1);
    expect((error as NonFiniteLossError).batch).toBe(2);
    expect((error as Error).message).toMatch(/epoch 2, batch 3 \(0-based: epoch 1, batch 2\)/);
    expect(tf.memory().numTensors).toBe(before);
    const { vae: restored, resume } = await loadCheckpoint(url);
    expect(resume.state.epoch).toBe(1);
    expect(resume.state.history).toHaveLength(1);
    for (const w of await weights(restored)) expect(w.every(Number.isFinite)).toBe(true);
    restored.dispose();
    vae.dispose();
    tf.dispose([clean, poisoned]);
  });
});

describe('fit: early stopping', () => {
  it('stops after patience and restores the best epoch weights', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 5);
    const vae = tinyVAE(1, 12);
    const snapshots: Float32Array[][] = [];
    const stopper = earlyStopping({ monitor: 'loss', patience: 1, minDelta: 1e9 });
    const history = await vae.fit(x, {
      epochs: 10,
      batchSize: 4,
      seed: 1,
      callbacks: [{ onEpochEnd: async () => void snapshots.push(await weights(vae)) }, stopper],
    });
    // Epoch 0 sets the best; no later epoch improves by 1e9, so epoch 2 exceeds patience 1.
    expect(history.stopReason).toBe('earlyStopping');
    expect(history.epochs).toHaveLength(3);
    expect(stopper.bestEpoch).toBe(0);
    expect(maxAbsDiff(await weights(vae), snapshots[0] as Float32Array[])).toBe(0);
    expect(maxAbsDiff(snapshots[2] as Float32Array[], snapshots[0] as Float32Array[])).toBeGreaterThan(0);
    vae.dispose();
    x.dispose();
  });

  it('rejects a negative patience', () => {
    expect(() => earlyStopping({ patience: -1 })).toThrow(ConfigError);
  });
});

describe('fit: data forms and stop requests', () => {
  it('accepts iterables, functions, batch sources and tf.data-like datasets', async () => {
    const x = tf.randomUniform([12, 12], 0, 1, 'float32', 6);
    const make = () => [0, 4, 8].map((s) => ({ x: tf.slice(x, s, 4) }));
    const vae = tinyVAE(1, 12);
    const sources = [
      { name: 'function', data: () => make() },
      {
        name: 'batch source',
        data: { size: 12, batches: ({ batchSize }: { batchSize: number }) => make().slice(0, 12 / batchSize) },
      },
      {
        name: 'dataset',
        data: {
          iterator: async () => {
            const items = make();
            return {
              next: async () =>
                items.length ? { done: false, value: items.shift() } : { done: true, value: undefined },
            };
          },
        },
      },
    ];
    for (const { name, data } of sources) {
      const h = await vae.fit(data as never, { epochs: 2, batchSize: 4, seed: 1 });
      expect(
        h.epochs.map((e) => e.examples),
        name,
      ).toEqual([12, 12]);
    }
    // An array of batches is replayed every epoch and stays the caller's.
    const array = make();
    await expect(vae.fit(array, { epochs: 2 })).resolves.toBeDefined();
    expect(array.every((b) => !b.x.isDisposed)).toBe(true);
    tf.dispose(array.map((b) => b.x));
    // A one-shot iterable cannot be replayed for a second epoch.
    const once = (async function* () {
      yield { x: tf.slice(x, 0, 4) };
    })();
    await expect(vae.fit(once, { epochs: 2 })).rejects.toThrow(/yielded no batches in epoch 2/);
    vae.dispose();
    x.dispose();
  });

  it('an AbortSignal fired by a timer stops training within one step; one aborted before the call trains nothing', async () => {
    const x = tf.randomUniform([4000, 12], 0, 1, 'float32', 7);
    const vae = tinyVAE(1, 12);
    const before = await weights(vae);
    const early = new AbortController();
    early.abort();
    const none = await vae.fit(x, { epochs: 3, batchSize: 4, signal: early.signal, verbose: 0 });
    expect(none.stopReason).toBe('aborted');
    expect(none.steps).toBe(0);
    expect(await weights(vae)).toEqual(before);

    const controller = new AbortController();
    let stepsAtAbort = -1;
    let lastStep = 0;
    const tensors = tf.memory().numTensors;
    setTimeout(() => {
      stepsAtAbort = lastStep;
      controller.abort();
    }, 30);
    const history = await vae.fit(x, {
      epochs: 50,
      batchSize: 4,
      signal: controller.signal,
      yieldEvery: 0,
      verbose: 0,
      callbacks: [
        {
          onBatchEnd: (logs) => {
            lastStep = logs.step;
          },
        },
      ],
    });
    expect(history.stopReason).toBe('aborted');
    expect(stepsAtAbort).toBeGreaterThanOrEqual(0);
    // Seen at the end of the step that was running when the timer fired.
    expect(history.steps).toBeLessThanOrEqual(stepsAtAbort + 1);
    expect(history.steps).toBeLessThan(50 * 1000);
    expect(tf.memory().numTensors).toBe(tensors);
    vae.dispose();
    x.dispose();
  });

  it('an AbortSignal stops after the current batch and fit returns', async () => {
    const x = tf.randomUniform([40, 12], 0, 1, 'float32', 7);
    const vae = tinyVAE(1, 12);
    const controller = new AbortController();
    let batches = 0;
    const history = await vae.fit(x, {
      epochs: 5,
      batchSize: 4,
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
    expect(batches).toBe(3);
    expect(history.epochs).toHaveLength(0);
    vae.dispose();
    x.dispose();
  });

  it('rejects bad options and data with typed errors', async () => {
    const x = tf.randomUniform([10, 12], 0, 1, 'float32', 8);
    const vae = tinyVAE(1, 12);
    await expect(vae.fit(x, { epochz: 3 } as never)).rejects.toThrow(/unknown option 'epochz'/);
    await expect(vae.fit(x, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    await expect(vae.fit(x, { validationSplit: 1.5 })).rejects.toThrow(/validationSplit must lie in \[0, 1\), got 1.5/);
    await expect(vae.fit(x, { validationSplit: 0.01 })).rejects.toThrow(/leaves 0 of 10 examples/);
    await expect(vae.fit(() => [], { validationSplit: 0.2 })).rejects.toThrow(
      /validationSplit works only with tensor data/,
    );
    await expect(vae.fit({ x, labels: tf.zeros([3]) })).rejects.toThrow(ShapeError);
    await expect(vae.fit(42 as never)).rejects.toThrow(/data must be a tensor/);
    await expect(vae.fit(x, { clipNorm: -1 })).rejects.toThrow(/clipNorm must be a positive number/);
    await expect(vae.fit(x, { resume: { state: {} } as never })).rejects.toThrow(
      /resume must be the resume state of loadCheckpoint\(\)/,
    );
    const error = await vae.fit(x, { epochs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('epochs');
    vae.dispose();
    x.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales to the clip norm, or leaves gradients alone under it', async () => {
    const grads = { a: tf.tensor1d([3]), b: tf.tensor1d([4]) };
    const clipped = clipByGlobalNorm(grads, 1);
    expect(Array.from(await clipped['a']!.data())[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(await clipped['b']!.data())[0]).toBeCloseTo(0.8, 6);
    const kept = clipByGlobalNorm(grads, 10);
    expect(Array.from(await kept['b']!.data())[0]).toBeCloseTo(4, 6);
    tf.dispose([...Object.values(grads), ...Object.values(clipped), ...Object.values(kept)]);
  });
});

describe('progressReporter', () => {
  it('draws a live bar with ETA and prints one line per epoch', async () => {
    const out: string[] = [];
    let t = 0;
    const reporter = progressReporter({ write: (s) => out.push(s), live: true, intervalMs: 0, now: () => (t += 1000) });
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 9);
    const vae = tinyVAE(1, 12);
    await vae.fit(x, { epochs: 2, batchSize: 4, seed: 1, logInterval: 1, callbacks: [reporter] });
    const bars = out.filter((s) => s.includes('['));
    expect(bars[0]).toMatch(
      /^\repoch 1\/2 \[=+ *\] 1\/2 step 1 eta \d+s {2}loss \d+\.\d\d \(rec \d+\.\d\d, kl \d+\.\d\d\) {2}\d+ img\/s/,
    );
    const lines = out.filter((s) => s.endsWith('\n'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /epoch 2\/2 {2}loss \d+\.\d{3} {2}rec \d+\.\d{3} {2}kl \d+\.\d{3} {2}klw 1\.000 {2}lr 0\.00100/,
    );
    vae.dispose();
    x.dispose();
  });
});

describe('fit: data meets its likelihood', () => {
  it('refuses 0-255 pixels for a Bernoulli model on the first batch, before any step, on every engine', async () => {
    const x = tf.mul(tf.randomUniform([16, 12], 0, 1, 'float32', 11), 255);
    const vae = tinyVAE(1, 12);
    const before = await weights(vae);
    const error = await vae.fit(x, { batchSize: 8, verbose: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('x');
    expect((error as Error).message).toMatch(/\[0, 1\]/);
    expect(await weights(vae)).toEqual(before);
    vae.dispose();
    x.dispose();
  });

  it('refuses class ids out of range for a conditional model', async () => {
    const { x, labels } = digits(8);
    const bad = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 12], 'int32');
    const vae = buildConditionalVAE({ inputShape: [196], numClasses: 10, hiddenUnits: [8], latentDim: 2 });
    const error = await vae.fit({ x, labels: bad }, { batchSize: 8, verbose: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('labels');
    tf.dispose([x, labels, bad]);
    vae.dispose();
  });

  it('says in the NaN error what range a Bernoulli likelihood needs', async () => {
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 12);
    const vae = tinyVAE(1, 12);
    const error = await vae
      .fit(x, { batchSize: 8, learningRate: 1e30, epochs: 3, verbose: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(/The bernoulli likelihood needs data in \[0, 1\]/);
    vae.dispose();
    x.dispose();
  });
});

describe('fit: labelled data and unconditional models', () => {
  it('ignores labels carried by the data, but refuses an explicit labels option', async () => {
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 10);
    const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
    const vae = tinyVAE(1, 12);
    const history = await vae.fit({ x, labels }, { epochs: 1, batchSize: 4, seed: 1, validationData: { x, labels } });
    expect(history.epochs[0]?.valLoss).toBeGreaterThan(0);
    const source = { size: 8, batches: () => [{ x: tf.clone(x), labels: tf.clone(labels) }] };
    await expect(vae.fit(source, { epochs: 1 })).resolves.toBeDefined();
    await expect(vae.evaluate({ x, labels })).resolves.toBeDefined();
    await expect(vae.estimateNll({ x, labels }, { importanceSamples: 4 })).resolves.toBeDefined();
    await expect(vae.fit(x, { labels })).rejects.toThrow(/labels were given but the model is unconditional/);
    vae.dispose();
    tf.dispose([x, labels]);
  });
});
