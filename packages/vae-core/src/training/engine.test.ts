import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ConfigError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { progressReporter } from './callbacks.js';
import type { EngineStepOptions, TrainingEngine, TrainingEngineFactory } from './engine.js';
import { defaultTrainingEngine, setDefaultTrainingEngine } from './engine.js';
import { inThreadEngine } from './in-thread-engine.js';
import { linearKlWarmup, piecewiseConstant } from './schedules.js';

function tinyVAE(seed = 1): VAE {
  return buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 3, seed });
}

async function weights(vae: VAE): Promise<Float32Array[]> {
  return Promise.all(vae.trainableVariables.map(async (v) => (await v.data()) as Float32Array));
}

/**
 * An engine that trains with core's in-thread engine but hands the loop plain numbers (as engines
 * on worker threads do) and records what the loop asked of it.
 */
function recordingEngine(notice?: string): TrainingEngineFactory & {
  steps: EngineStepOptions[];
  calls: string[];
} {
  const steps: EngineStepOptions[] = [];
  const calls: string[] = [];
  return {
    name: 'recording',
    steps,
    calls,
    async create(setup) {
      calls.push('create');
      const inner = await inThreadEngine().create(setup);
      const engine: TrainingEngine = {
        description: 'recording engine',
        notice,
        optimizer: undefined,
        get learningRate() {
          return inner.learningRate;
        },
        async step(batch, options) {
          steps.push({ ...options });
          const stats = (await inner.step(batch, options)) as tf.Tensor1D;
          const values = await stats.data();
          stats.dispose();
          return [values[0] as number, values[1] as number, values[2] as number] as const;
        },
        async syncToModel() {
          calls.push('sync');
        },
        exportOptimizer: () => inner.exportOptimizer(),
        async dispose() {
          calls.push('dispose');
          await inner.dispose();
        },
      };
      return engine;
    },
  };
}

afterEach(() => setDefaultTrainingEngine(undefined));

describe('training engines', () => {
  it('hand each step the scheduled KL weight and learning rate and a per-step noise seed; numbers from an engine give the same history as tensors', async () => {
    const x = tf.randomUniform([24, 12], 0, 1, 'float32', 3);
    const options = {
      epochs: 2,
      batchSize: 8,
      seed: 5,
      clipNorm: 2,
      learningRate: piecewiseConstant({ boundaries: [4], values: [1e-2, 1e-3] }),
      klWarmup: linearKlWarmup({ duration: 4 }),
      verbose: 0 as const,
    };
    const plain = tinyVAE();
    const expected = await plain.fit(x, { ...options, engine: inThreadEngine() });
    expect(expected.engine).toEqual({ name: 'in-thread', description: 'in-thread' });

    const engine = recordingEngine();
    const vae = tinyVAE();
    const history = await vae.fit(x, { ...options, engine });
    expect(engine.steps.map((s) => s.learningRate)).toEqual([1e-2, 1e-2, 1e-2, 1e-2, 1e-3, 1e-3]);
    expect(engine.steps.map((s) => s.klWeight)).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    expect(engine.steps.every((s) => s.clipNorm === 2)).toBe(true);
    expect(new Set(engine.steps.map((s) => s.noiseSeed)).size).toBe(6);
    expect(history.engine).toEqual({ name: 'recording', description: 'recording engine' });
    for (const [i, e] of history.epochs.entries()) {
      expect(e.loss).toBeCloseTo(expected.epochs[i]?.loss as number, 4);
      expect(e.kl).toBeCloseTo(expected.epochs[i]?.kl as number, 4);
    }
    const [a, b] = [await weights(plain), await weights(vae)];
    a.forEach((w, k) => {
      expect(Array.from(b[k] as Float32Array)).toEqual(Array.from(w));
    });
    // The model is brought up to date before each epoch's end, and the engine ends once.
    expect(engine.calls.filter((c) => c === 'sync').length).toBeGreaterThanOrEqual(2);
    expect(engine.calls.at(-1)).toBe('dispose');
    expect(engine.calls.filter((c) => c === 'dispose')).toHaveLength(1);
    tf.dispose(x);
    plain.dispose();
    vae.dispose();
  });

  it('the same seed draws the same noise seeds on a second run', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 4);
    const first = recordingEngine();
    const second = recordingEngine();
    const vae = tinyVAE();
    await vae.fit(x, { epochs: 1, batchSize: 8, seed: 9, engine: first, verbose: 0 });
    await vae.fit(x, { epochs: 1, batchSize: 8, seed: 9, engine: second, verbose: 0 });
    expect(second.steps.map((s) => s.noiseSeed)).toEqual(first.steps.map((s) => s.noiseSeed));
    tf.dispose(x);
    vae.dispose();
  });

  it('setDefaultTrainingEngine makes vae.fit use an engine; undefined goes back to in-thread', async () => {
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 5);
    const vae = tinyVAE();
    const engine = recordingEngine();
    setDefaultTrainingEngine(engine);
    expect(defaultTrainingEngine()).toBe(engine);
    const history = await vae.fit(x, { batchSize: 8, verbose: 0 });
    expect(history.engine?.name).toBe('recording');
    expect(engine.steps).toHaveLength(1);
    setDefaultTrainingEngine(undefined);
    expect((await vae.fit(x, { batchSize: 8, verbose: 0 })).engine?.name).toBe('in-thread');
    tf.dispose(x);
    vae.dispose();
  });

  it("an engine's notice is said once, in the history and the progress output", async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 6);
    const vae = tinyVAE();
    const out: string[] = [];
    const history = await vae.fit(x, {
      epochs: 2,
      batchSize: 8,
      verbose: 0,
      engine: recordingEngine('the workers cannot rebuild a function encoder'),
      callbacks: [progressReporter({ write: (s) => out.push(s) })],
    });
    expect(history.engine?.notice).toBe('the workers cannot rebuild a function encoder');
    const said = out.filter((s) => s.includes('cannot rebuild'));
    expect(said).toEqual(['training: recording engine (the workers cannot rebuild a function encoder)\n']);
    tf.dispose(x);
    vae.dispose();
  });

  it('a failing engine is disposed and leaks nothing; a bad engine option is a ConfigError', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 7);
    const vae = tinyVAE();
    const tensors = tf.memory().numTensors;
    const calls: string[] = [];
    const failing: TrainingEngineFactory = {
      name: 'failing',
      async create(setup) {
        const inner = await inThreadEngine().create(setup);
        let n = 0;
        return {
          ...inner,
          description: 'failing',
          notice: undefined,
          optimizer: inner.optimizer,
          learningRate: 1e-3,
          step: async (batch, options) => {
            n += 1;
            if (n === 2) throw new Error('boom in step 2');
            return inner.step(batch, options);
          },
          syncToModel: () => inner.syncToModel(),
          exportOptimizer: () => inner.exportOptimizer(),
          dispose: async () => {
            calls.push('dispose');
            await inner.dispose();
          },
        };
      },
    };
    await expect(vae.fit(x, { batchSize: 4, engine: failing, verbose: 0 })).rejects.toThrow('boom in step 2');
    expect(calls).toEqual(['dispose']);
    expect(tf.memory().numTensors).toBe(tensors);
    const error = await vae.fit(x, { engine: {} as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('engine');
    tf.dispose(x);
    vae.dispose();
  });
});

describe('fit: progress output (verbose)', () => {
  it('verbose 2 writes one line per epoch to standard output; 0 writes nothing; 3 is refused', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 8);
    const vae = tinyVAE();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await vae.fit(x, { epochs: 3, batchSize: 4, verbose: 2 });
      const lines = write.mock.calls.map((c) => String(c[0])).filter((s) => s.startsWith('epoch '));
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(/^epoch 3\/3 {2}loss \d+\.\d{3} {2}rec .* img\/s\n$/);
      write.mockClear();
      await vae.fit(x, { epochs: 1, batchSize: 4, verbose: 0 });
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
    await expect(vae.fit(x, { verbose: 3 as never })).rejects.toThrow(/verbose must be 0, 1 or 2, got 3/);
    tf.dispose(x);
    vae.dispose();
  });

  it('the live line shows a dash, never NaN, before the first read-back', async () => {
    const x = tf.randomUniform([16, 12], 0, 1, 'float32', 9);
    const vae = tinyVAE();
    const out: string[] = [];
    let t = 0;
    await vae.fit(x, {
      epochs: 1,
      batchSize: 4,
      logInterval: 3,
      verbose: 0,
      callbacks: [progressReporter({ write: (s) => out.push(s), live: true, intervalMs: 0, now: () => (t += 100) })],
    });
    const live = out.filter((s) => s.startsWith('\repoch 1/1 ['));
    expect(live).toHaveLength(4);
    expect(live[0]).toContain('loss - (rec -, kl -)');
    expect(live[2]).toMatch(/loss \d+\.\d\d \(rec \d+\.\d\d, kl \d+\.\d\d\)/);
    expect(out.join('')).not.toContain('NaN');
    tf.dispose(x);
    vae.dispose();
  });
});
