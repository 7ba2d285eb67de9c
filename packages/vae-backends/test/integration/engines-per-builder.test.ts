// Every builder's architecture (at test size) trains the same on the in-thread engine and on two
// workers, with each strategy: the same seed gives the same history and weights.
import * as tf from '@tensorflow/tfjs-core';
import {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  type EpochLogs,
  type History,
  inThreadEngine,
  type VAE,
} from '@vae/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backends/use-backend.js';
import { type WorkerEngineOptions, workerEngine } from '../../src/engines/worker-engine.js';
import { maxAbsDiff, weightsOf } from '../model-weights.js';
import { seededUniform } from '../reference-models.js';
import { TSX_WORKER } from '../reference-replica.js';

interface Case {
  name: string;
  build: () => VAE;
  shape: number[];
  /** Whether the fused MLP step can train it (on wasm workers). */
  fused: boolean;
}

const CASES: Case[] = [
  {
    name: 'buildMlpVAE',
    build: () => buildMlpVAE({ inputShape: [20], hiddenUnits: [9], latentDim: 3, seed: 3 }),
    shape: [20],
    fused: true,
  },
  {
    name: 'buildConvVAE (transposed convolutions)',
    build: () => buildConvVAE({ inputShape: [8, 8, 1], filters: [2, 3], denseUnits: 5, latentDim: 2, seed: 3 }),
    shape: [8, 8, 1],
    fused: false,
  },
  {
    name: 'buildConvVAE (upsampling decoder)',
    build: () =>
      buildConvVAE({
        inputShape: [8, 8, 1],
        filters: [2, 3],
        denseUnits: 5,
        latentDim: 2,
        decoderKind: 'upsample',
        seed: 3,
      }),
    shape: [8, 8, 1],
    fused: false,
  },
  {
    name: 'buildLstmVAE',
    build: () => buildLstmVAE({ inputShape: [6, 4], units: 5, decoderUnits: [7], latentDim: 2, seed: 3 }),
    shape: [6, 4],
    fused: false,
  },
  {
    name: 'buildConditionalVAE (mlp)',
    build: () => buildConditionalVAE({ inputShape: [20], numClasses: 3, hiddenUnits: [9], latentDim: 3, seed: 3 }),
    shape: [20],
    fused: true,
  },
  {
    name: 'buildConditionalVAE (conv)',
    build: () =>
      buildConditionalVAE({
        variant: 'conv',
        inputShape: [8, 8, 1],
        numClasses: 3,
        filters: [2],
        denseUnits: 5,
        latentDim: 2,
        seed: 3,
      }),
    shape: [8, 8, 1],
    fused: false,
  },
];

function lossesOf(history: History): Array<Pick<EpochLogs, 'loss' | 'reconstruction' | 'kl' | 'valLoss'>> {
  return history.epochs.map(({ loss, reconstruction, kl, valLoss }) => ({ loss, reconstruction, kl, valLoss }));
}

function expectSameRun(a: { vae: VAE; history: History }, b: { vae: VAE; history: History }, tolerance: number) {
  expect(b.history.steps).toBe(a.history.steps);
  const [la, lb] = [lossesOf(a.history), lossesOf(b.history)];
  lb.forEach((row, i) => {
    for (const key of ['loss', 'reconstruction', 'kl', 'valLoss'] as const) {
      const want = la[i]?.[key] as number;
      expect(Math.abs((row[key] as number) - want), `${key} of epoch ${i}`).toBeLessThanOrEqual(
        tolerance * Math.max(1, Math.abs(want)),
      );
    }
  });
  expect(maxAbsDiff(weightsOf(b.vae), weightsOf(a.vae))).toBeLessThanOrEqual(tolerance);
}

beforeAll(async () => {
  // The cpu backend with this package's fix of UpSampling2D's gradient, as the cpu workers have it.
  await useBackend('cpu', { trainingEngine: 'in-thread' });
});

describe.each(CASES)('$name on every engine', ({ build, shape, fused }) => {
  const rows = 20;
  const size = shape.reduce((p, q) => p * q, 1);
  const x = tf.tensor(seededUniform(size)(rows * size), [rows, ...shape]);
  const labels = tf.tensor1d(
    Array.from({ length: rows }, (_, i) => i % 3),
    'int32',
  );
  // 16 training rows in batches of 6, 6, 4 (split 3/3, 3/3, 2/2 between the workers); 4 for validation.
  const options = { epochs: 2, batchSize: 6, seed: 11, learningRate: 1e-2, validationSplit: 0.2, verbose: 0 as const };

  async function run(engine: WorkerEngineOptions | 'in-thread'): Promise<{ vae: VAE; history: History }> {
    const vae = build();
    const data = vae.numClasses > 0 ? { x, labels } : x;
    const history = await vae.fit(data, {
      ...options,
      engine:
        engine === 'in-thread' ? inThreadEngine() : workerEngine({ workers: 2, workerScript: TSX_WORKER, ...engine }),
    });
    return { vae, history };
  }

  it('2 workers with tfjs-autodiff replicas (cpu) repeat the in-thread run (cpu)', async () => {
    const inThread = await run('in-thread');
    const initial = weightsOf(build());
    expect(maxAbsDiff(weightsOf(inThread.vae), initial)).toBeGreaterThan(1e-4);
    const workers = await run({ backend: 'cpu', strategy: 'autodiff' });
    expect(workers.history.engine?.description).toMatch(/^2 workers \(cpu, tfjs autodiff replicas/);
    expectSameRun(inThread, workers, 2e-5);
    inThread.vae.dispose();
    workers.vae.dispose();
  });

  // On wasm workers a model runs the fused MLP step where it can ('auto' picks it), tfjs
  // autodiff otherwise: either way within float32 rounding of the in-thread run on cpu.
  it(`2 workers on wasm (${fused ? 'the fused MLP step' : 'tfjs-autodiff replicas'}) stay within float32 rounding of the in-thread run (cpu)`, async () => {
    const inThread = await run('in-thread');
    const workers = await run({ strategy: 'auto' });
    expect(workers.history.engine?.description).toBe(
      fused ? '2 workers (wasm, fused MLP step)' : '2 workers (wasm, tfjs autodiff replicas)',
    );
    expectSameRun(inThread, workers, fused ? 2e-4 : 1e-3);
    inThread.vae.dispose();
    workers.vae.dispose();
  });
});
