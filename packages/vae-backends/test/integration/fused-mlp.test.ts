import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { createParallelTrainer, type ParallelTrainer } from '../../src/parallel/index.js';
import { relativeError } from '../compare-backends.js';
import { type MlpVAEDims, seededNormal, seededUniform } from '../reference-models.js';
import { REFERENCE_REPLICA, TSX_WORKER } from '../reference-replica.js';

const MLP: MlpVAEDims = { kind: 'mlp', input: 36, hidden: 13, latent: 5 };

function trainer(workers: number, fused: boolean, extra: object = {}): Promise<ParallelTrainer> {
  return createParallelTrainer({
    replica: REFERENCE_REPLICA,
    replicaOptions: { dims: MLP, learningRate: 2e-2, ...extra },
    workers,
    workerScript: TSX_WORKER,
    strategy: fused ? 'fused-mlp' : 'autodiff',
  });
}

function batch(rows: number, seed: number) {
  return {
    x: { values: seededUniform(seed)(rows * MLP.input), shape: [rows, MLP.input] },
    eps: { values: seededNormal(seed + 1)(rows * MLP.latent), shape: [rows, MLP.latent] },
  };
}

describe('the fused MLP step of the parallel trainer', () => {
  it('trains like tfjs autodiff in the workers: losses, weights and Adam state, through a bigger batch and clipping', async () => {
    const fused = await trainer(3, true);
    const plain = await trainer(2, false);
    try {
      expect(fused.strategy).toBe('fused-mlp');
      expect(plain.strategy).toBe('autodiff');
      expect(plain.strategyReason).toBe('the autodiff strategy was asked for');
      await fused.setWeights(await plain.getWeights());
      const initial = await plain.getWeights();
      // 200 rows outgrow the first shared memory (128): the weights and Adam's state move along.
      const steps = [
        { rows: 9, options: {} },
        { rows: 200, options: { learningRate: 1e-2 } },
        { rows: 1, options: {} },
        { rows: 7, options: { clipNorm: 0.5 } },
        { rows: 64, options: { learningRate: 5e-3 } },
      ];
      for (const [i, s] of steps.entries()) {
        const b = batch(s.rows, 10 + i);
        const mine = await fused.stepWithMetrics(b, s.options);
        const theirs = await plain.stepWithMetrics(b, s.options);
        expect(Math.abs(mine.loss - theirs.loss), `loss of step ${i}`).toBeLessThan(1e-5 * Math.abs(theirs.loss));
        // The reference replica reports the loss alone; the fused step also reports its terms.
        const terms = (mine.metrics.reconstruction as number) + (mine.metrics.kl as number);
        expect(Math.abs(terms - mine.loss), `terms of step ${i}`).toBeLessThan(1e-9 * mine.loss);
      }
      const [a, b] = [await fused.getWeights(), await plain.getWeights()];
      a.forEach((w, k) => {
        expect(relativeError(w, b[k] as Float32Array), `variable ${k}`).toBeLessThan(1e-4);
      });
      expect(a.some((w, k) => relativeError(w, initial[k] as Float32Array) > 1e-3)).toBe(true);
      const [sa, sb] = [await fused.getOptimizerState(), await plain.getOptimizerState()];
      expect(sa.iterations).toBe(steps.length);
      expect(sa.iterations).toBe(sb.iterations);
      expect(sa.config).toEqual({ ...sb.config, learningRate: 5e-3 });
      expect(sa.slots.map((s) => s.suffix)).toEqual(sb.slots.map((s) => s.suffix));
      sa.slots.forEach((slot, g) => {
        slot.values.forEach((v, k) => {
          expect(relativeError(v, sb.slots[g]?.values[k] as Float32Array), `slot ${g} of variable ${k}`).toBeLessThan(
            1e-3,
          );
        });
      });
    } finally {
      await fused.dispose();
      await plain.dispose();
    }
  });

  it('round-trips weights and Adam state, continues a restored run alike, and rejects what it cannot train', async () => {
    const a = await trainer(2, true);
    const b = await trainer(2, true);
    try {
      const weights = (await a.getWeights()).map((w) => w.map((v) => v * 0.5));
      await a.setWeights(weights);
      (await a.getWeights()).forEach((w, k) => {
        expect(relativeError(w, weights[k] as Float32Array)).toBe(0);
      });
      await a.step(batch(8, 1), { scalars: { klWeight: 0.3 } });
      await a.step(batch(8, 2));
      // A second trainer given a's weights and Adam state continues exactly like a.
      await b.setWeights(await a.getWeights());
      await b.setOptimizerState(await a.getOptimizerState());
      const next = batch(6, 3);
      expect(await b.step(next)).toBe(await a.step(next));
      const [wa, wb] = [await a.getWeights(), await b.getWeights()];
      wa.forEach((w, k) => {
        expect(relativeError(w, wb[k] as Float32Array)).toBe(0);
      });

      await expect(a.step({ x: batch(2, 4).x })).rejects.toBeInstanceOf(ShapeError);
      await expect(a.step({ ...batch(2, 4), labels: { values: new Float32Array(2), shape: [2, 1] } })).rejects.toThrow(
        /exactly \{ x: \[rows, 36 values\], eps: \[rows, 5\] \}; got an entry 'labels'/,
      );
      await expect(
        a.step({ x: { values: new Float32Array(2 * 35), shape: [2, 35] }, eps: batch(2, 4).eps }),
      ).rejects.toBeInstanceOf(ShapeError);
      const state = await a.getOptimizerState();
      await expect(a.setOptimizerState({ ...state, className: 'SGD' })).rejects.toBeInstanceOf(ConfigError);
      // The trainer still steps after the rejected calls.
      expect(Number.isFinite(await a.step(batch(3, 5)))).toBe(true);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('rejects a dense spec that does not match the replica variables', async () => {
    const error = await trainer(1, true, { denseOverride: { latentDim: 4 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/mlpVAE spec implies/);
    const activation = await trainer(1, true, { denseOverride: { activation: 'tanh' } }).catch((e: unknown) => e);
    expect(String((activation as Error).message)).toMatch(/mlpVAE.activation must be 'relu', 'leakyRelu' or 'linear'/);
    expect(tf.memory().numTensors).toBe(0);
  });
});
