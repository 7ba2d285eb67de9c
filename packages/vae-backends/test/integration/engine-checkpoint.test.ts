import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildMlpVAE,
  type Callback,
  ConfigError,
  fitVAE,
  loadCheckpoint,
  ModelFormatError,
  modelCheckpoint,
  type ResumeState,
} from '@vae/core';
import { afterAll, describe, expect, it } from 'vitest';
import { workerEngine } from '../../src/engines/worker-engine.js';
import { maxAbsDiff, weightsOf } from '../model-weights.js';
import { seededUniform } from '../reference-models.js';
import { TSX_WORKER } from '../reference-replica.js';

// Two cpu workers: the same float arithmetic as core's fit on the main thread (cpu).
const PARALLEL = {
  engine: workerEngine({ workerScript: TSX_WORKER, workers: 2, backend: 'cpu' }),
  verbose: 0,
} as const;
/** One fused worker on wasm: another engine, another worker count, another strategy. */
const FUSED = { engine: workerEngine({ workerScript: TSX_WORKER, workers: 1 }), verbose: 0 } as const;
const dir = mkdtempSync(join(tmpdir(), 'vae-parallel-checkpoint-'));
const url = (name: string) => pathToFileURL(join(dir, name)).href;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mlp = () => buildMlpVAE({ inputShape: [12], hiddenUnits: [7], latentDim: 3, seed: 5 });
const stopAfter = (epochs: number): Callback => ({
  onEpochEnd: (logs, context) => {
    if (logs.epoch + 1 === epochs) context.stop();
  },
});

describe('checkpoints across engines', () => {
  const x = tf.tensor2d(seededUniform(5)(30 * 12), [30, 12]);
  const common = { epochs: 4, batchSize: 7, seed: 3, learningRate: 2e-2, validationSplit: 0.2 };
  // What a resumed run repeats: the checkpoint holds the seed, the counters and the learning rate.
  const again = { epochs: 4, batchSize: 7, validationSplit: 0.2 };
  afterAll(() => x.dispose());

  it('resumes a stopped 2-worker run (on workers or in-thread) where the uninterrupted run ends, and an in-thread checkpoint on workers', async () => {
    const whole = mlp();
    const full = await whole.fit(x, { ...common, ...PARALLEL });

    const first = mlp();
    const stopped = await first.fit(x, {
      ...common,
      ...PARALLEL,
      callbacks: [modelCheckpoint({ path: url('run') }), stopAfter(2)],
    });
    expect(stopped.epochs).toHaveLength(2);
    first.dispose();

    // Resumed on workers: the learning rate comes from the checkpoint's optimizer.
    const a = await loadCheckpoint(url('run'));
    expect(a.resume.state).toMatchObject({ kind: 'vae-checkpoint', epoch: 2, seed: 3, step: stopped.steps });
    expect(a.resume.state.optimizer.className).toBe('VAEAdam');
    const before = tf.memory().numTensors;
    const resumed = await a.vae.fit(x, { ...again, resume: a.resume, ...PARALLEL });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxAbsDiff(weightsOf(a.vae), weightsOf(whole))).toBeLessThanOrEqual(1e-5);
    expect(resumed.steps).toBe(full.steps);
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    resumed.epochs.forEach((e, i) => {
      expect(Math.abs(e.loss - (full.epochs[i]?.loss as number))).toBeLessThanOrEqual(1e-5);
      expect(Math.abs((e.valLoss as number) - (full.epochs[i]?.valLoss as number))).toBeLessThanOrEqual(1e-5);
    });

    // The same checkpoint continues in core's single-process fit.
    const b = await loadCheckpoint(url('run'));
    const core = await fitVAE(b.vae, x, { ...again, resume: b.resume });
    expect(maxAbsDiff(weightsOf(b.vae), weightsOf(whole))).toBeLessThanOrEqual(1e-4);
    expect(core.steps).toBe(full.steps);

    // ... and on one fused wasm worker.
    const d = await loadCheckpoint(url('run'));
    await d.vae.fit(x, { ...again, resume: d.resume, ...FUSED });
    expect(maxAbsDiff(weightsOf(d.vae), weightsOf(whole))).toBeLessThanOrEqual(1e-4);
    d.vae.dispose();

    // And a checkpoint of core's in-thread fit continues on workers.
    const c0 = mlp();
    await fitVAE(c0, x, { ...common, callbacks: [modelCheckpoint({ path: url('core') }), stopAfter(2)] });
    c0.dispose();
    const c = await loadCheckpoint(url('core'));
    await c.vae.fit(x, { ...again, resume: c.resume, ...PARALLEL });
    expect(maxAbsDiff(weightsOf(c.vae), weightsOf(whole))).toBeLessThanOrEqual(1e-4);
    for (const m of [whole, a.vae, b.vae, c.vae]) m.dispose();
  });

  it('saves a checkpoint when aborted mid-epoch that workers and in-thread continue alike', async () => {
    const abortAt = (steps: number) => {
      const controller = new AbortController();
      let seen = 0;
      const callback: Callback = {
        onBatchEnd: () => {
          seen += 1;
          if (seen === steps) controller.abort();
        },
        onTrainEnd: async (history, context) => {
          if (history.stopReason === 'aborted') await context.saveCheckpoint(url(`abort-${steps}`));
        },
      };
      return { signal: controller.signal, callbacks: [callback] };
    };
    const parallel = mlp();
    const history = await parallel.fit(x, { ...common, ...PARALLEL, ...abortAt(5) });
    expect(history.stopReason).toBe('aborted');
    const loaded = await loadCheckpoint(url('abort-5'));
    expect(maxAbsDiff(weightsOf(loaded.vae), weightsOf(parallel))).toBe(0);
    expect(loaded.resume.state).toMatchObject({ epoch: 1, step: 5 });
    await loaded.vae.fit(x, { ...common, resume: loaded.resume, ...PARALLEL });

    // Core's fit continues the same checkpoint to the same weights.
    const coreLoaded = await loadCheckpoint(url('abort-5'));
    await fitVAE(coreLoaded.vae, x, { ...common, resume: coreLoaded.resume });
    expect(maxAbsDiff(weightsOf(loaded.vae), weightsOf(coreLoaded.vae))).toBeLessThanOrEqual(1e-4);
    for (const m of [parallel, loaded.vae, coreLoaded.vae]) m.dispose();
  });

  it('clips the global gradient norm across workers like core fit', async () => {
    const clipped = { ...common, epochs: 2, learningRate: 5e-2, clipNorm: 0.05 };
    const reference = mlp();
    const initial = weightsOf(reference);
    await fitVAE(reference, x, clipped);
    const unclipped = mlp();
    await fitVAE(unclipped, x, { ...clipped, clipNorm: undefined });
    const vae = mlp();
    await vae.fit(x, { ...clipped, ...PARALLEL });
    expect(maxAbsDiff(weightsOf(vae), weightsOf(reference))).toBeLessThanOrEqual(1e-5);
    // Clipping did change the run.
    expect(maxAbsDiff(weightsOf(unclipped), weightsOf(reference))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(weightsOf(vae), initial)).toBeGreaterThan(1e-3);
    for (const m of [reference, unclipped, vae]) m.dispose();
  });

  it('rejects a resume state it cannot continue, with typed errors', async () => {
    const vae = mlp();
    const state = (className: string, weightSpecs: tf.io.WeightsManifestEntry[] = []): ResumeState => ({
      state: {
        kind: 'vae-checkpoint',
        version: 1,
        epoch: 1,
        step: 3,
        seed: 1,
        history: [],
        optimizer: { className, config: {}, weightSpecs },
      },
      optimizerWeights: new Uint8Array(0),
    });
    const sgd = await vae.fit(x, { epochs: 2, resume: state('SGD'), ...PARALLEL }).catch((e: unknown) => e);
    expect(sgd).toBeInstanceOf(ConfigError);
    expect((sgd as Error).message).toMatch(/the checkpoint's optimizer is SGD; the worker engine trains with Adam/);
    const spec: tf.io.WeightsManifestEntry = { name: 'x/m', shape: [1], dtype: 'float32' };
    const tensor = tf.tensor1d([1]);
    const { data } = await tf.io.encodeWeights([{ name: 'x/m', tensor }]);
    tensor.dispose();
    const mismatch = await vae
      .fit(x, {
        epochs: 2,
        resume: { ...state('Adam', [spec]), optimizerWeights: new Uint8Array(data) },
        ...PARALLEL,
      })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(ModelFormatError);
    expect((mismatch as Error).message).toMatch(/optimizer holds 1 slots, the model has \d+ trainable variables/);
    vae.dispose();
  });
});
