// The Gaussian likelihood's sigma as a setting (--sigma, a --config field, config.json), and the
// write-ups' own loss (SSE + KL, BCE + KL) recovered exactly from the nats.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildMlpVAE, ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { likelihoodOf } from '../src/run/build-model.js';
import { PRESETS, presetText } from '../src/run/presets.js';
import { mergeSettings } from '../src/run/resolve-settings.js';
import type { TrainSettings } from '../src/run/settings.js';
import { learnedSigma, sseFromReconstruction, writeupLoss } from '../src/run/writeup-loss.js';
import { runCli, tempDir, writeJson } from './helpers.js';

const preset = (name: string): TrainSettings => structuredClone(PRESETS[name] as TrainSettings);

describe('SSE + KL from the nats', () => {
  it('equals the sum of squared errors computed directly on a small model', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    for (const sigma of [1, Math.SQRT1_2, 0.1, 3]) {
      const vae = buildMlpVAE({
        inputShape: [5, 4, 1],
        latentDim: 2,
        hiddenUnits: [6],
        likelihood: { kind: 'gaussian', sigma },
        seed: 7,
      });
      const [x, z] = [tf.randomUniform([3, 5, 4, 1], 0, 1, 'float32', 1), tf.randomNormal([3, 2], 0, 1, 'float32', 2)];
      const params = vae.decodeParams(z);
      const [nats, sse] = tf.tidy((): tf.Tensor[] => [
        tf.neg(vae.likelihood.logProb(x, params)),
        tf.sum(tf.squaredDifference(x, params), [1, 2, 3]),
      ]);
      const rec = Array.from(nats.dataSync());
      const direct = Array.from(sse.dataSync());
      // Per example and for the mean over the batch (the identity is linear in the nats).
      for (const [i, r] of rec.entries())
        expect(sseFromReconstruction(r, sigma, 20)).toBeCloseTo(direct[i] as number, 3);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      expect(sseFromReconstruction(mean(rec), sigma, 20)).toBeCloseTo(mean(direct), 3);
      // The write-up's loss adds the KL, weighted by beta.
      const loss = writeupLoss(vae.likelihood.toConfig(), 20, 4);
      expect(loss?.name).toBe('SSE + 4·KL');
      expect(loss?.value(mean(rec), 2.5)).toBeCloseTo(mean(direct) + 10, 3);
      tf.dispose([x, z, params, nats, sse]);
      vae.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('BCE + KL is the loss in nats; a learned variance has no fixed SSE', () => {
    const bce = writeupLoss({ kind: 'bernoulli' }, 784, 1);
    expect(bce?.name).toBe('BCE + KL');
    expect(bce?.value(100.5, 3.25)).toBe(103.75);
    expect(bce?.label).toContain('in nats');
    expect(writeupLoss({ kind: 'learned-gaussian', variance: 'scalar', initialLogVar: 0 }, 784, 1)).toBeUndefined();
  });
});

describe('sigma as a setting', () => {
  it('makes a fixed or learned Gaussian, and the Gaussian presets say what theirs means', () => {
    expect(likelihoodOf(mergeSettings(preset('cars128'), { data: 'x', sigma: 0.1 }))).toEqual({
      kind: 'gaussian',
      sigma: 0.1,
    });
    const learned = mergeSettings(preset('conv-leaky-mse'), { sigma: 'learned' });
    expect(likelihoodOf(learned)).toEqual({ kind: 'learned-gaussian', variance: 'scalar', initialLogVar: 0 });
    expect(presetText(learned).description).toContain(
      'a Gaussian likelihood with a learned variance (--sigma learned)',
    );
    // The write-up minimises squared difference + KL one to one: sigma 1/sqrt(2).
    expect(preset('conv-leaky-mse').sigma).toBe(Math.SQRT1_2);
    expect(preset('conv-leaky-mse').description).toContain(
      'sigma 1/sqrt(2) (--sigma; minimising it minimises SSE + KL',
    );
    expect(preset('cars128').sigma).toBe(1);
    expect(preset('cars128').description).toContain('weighted by 1/(2 sigma^2) = 0.5');
    expect(presetText({ ...preset('cars128'), sigma: 0.1 }).description).toContain('= 50, + KL');
    for (const name of ['keras-mnist', 'lstm', 'mlp', 'cvae-beta']) expect(preset(name).sigma).toBeNull();
    // A Bernoulli likelihood given over a Gaussian preset drops its sigma; plain 'gaussian' keeps it.
    expect(mergeSettings(preset('conv-leaky-mse'), { likelihood: 'bernoulli' }).sigma).toBeNull();
    expect(mergeSettings(preset('conv-leaky-mse'), { likelihood: 'gaussian' }).sigma).toBe(Math.SQRT1_2);
    // A record written before sigma was a setting keeps its likelihood.
    const { sigma: _, ...old } = preset('mlp');
    expect(mergeSettings(old as TrainSettings, {}).sigma).toBeNull();
  });

  it('refuses a sigma that is not > 0 and finite, and any sigma for a Bernoulli likelihood', () => {
    for (const sigma of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, 'wide']) {
      const error = (() => {
        try {
          mergeSettings(preset('conv-leaky-mse'), { sigma: sigma as number });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain("sigma must be a finite number > 0 or 'learned'");
      expect((error as ConfigError).field).toBe('sigma');
    }
    expect(() => mergeSettings(preset('mlp'), { sigma: 0.5 })).toThrow(
      /preset mlp: sigma 0\.5 sets the spread of a Gaussian likelihood, but the likelihood is bernoulli \(binary cross-entropy has no sigma\)/,
    );
  });

  it('vae train refuses --sigma for a Bernoulli preset and a bad sigma in a --config file', async () => {
    const dir = await tempDir();
    const flag = await runCli(['train', '--preset', 'keras-mnist', '--sigma', '0.5', '--out', join(dir, 'a')], dir);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toContain(
      'sigma 0.5 sets the spread of a Gaussian likelihood, but the likelihood is bernoulli',
    );
    const config = await writeJson(dir, 'bad.json', { preset: 'conv-leaky-mse', sigma: -2 });
    const file = await runCli(['train', '--config', config, '--out', join(dir, 'b')], dir);
    expect(file.code).not.toBe(0);
    expect(file.stderr).toContain("sigma must be a finite number > 0 or 'learned', got -2");
    const zero = await runCli(['train', '--preset', 'conv-leaky-mse', '--sigma', '0', '--out', join(dir, 'c')], dir);
    expect(zero.stderr).toContain('--sigma: sigma must be a finite number > 0');
  });

  it('vae train --sigma learned learns the spread and records it; --config sets a fixed one', async () => {
    const dir = await tempDir();
    const small = { architecture: { hiddenUnits: [16] }, latentDim: 2, limit: 64, batchSize: 32, epochs: 1 };
    const learnedOut = join(dir, 'learned');
    const r = await runCli(
      [
        'train',
        '--preset',
        'mlp',
        '--config',
        await writeJson(dir, 's.json', small),
        '--likelihood',
        'gaussian',
        '--sigma',
        'learned',
        '--out',
        learnedOut,
        '--backend',
        'cpu',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gaussian likelihood (learned scalar variance)');
    expect(r.stdout).toMatch(/learned sigma \d/);
    const record = JSON.parse(await readFile(join(learnedOut, 'config.json'), 'utf8'));
    expect(record.settings.sigma).toBe('learned');
    expect(record.metrics['learned sigma (data units)']).toBeGreaterThan(0);
    const vae = JSON.parse(await readFile(join(learnedOut, 'model/vae.json'), 'utf8'));
    expect(JSON.stringify(vae)).toContain('learned-gaussian');

    const fixedOut = join(dir, 'fixed');
    const config = await writeJson(dir, 'f.json', { ...small, preset: 'mlp', likelihood: 'gaussian', sigma: 0.25 });
    const f = await runCli(['train', '--config', config, '--out', fixedOut, '--backend', 'cpu'], dir);
    expect(f.stderr).toBe('');
    expect(f.stdout).toContain('gaussian likelihood (sigma 0.25)');
    const fixed = JSON.parse(await readFile(join(fixedOut, 'config.json'), 'utf8'));
    expect(fixed.settings.sigma).toBe(0.25);
    const history = JSON.parse(await readFile(join(fixedOut, 'history.json'), 'utf8'));
    const last = history.epochs[history.epochs.length - 1];
    const key = Object.keys(fixed.metrics).find((k) => k.startsWith('final training SSE + KL ('));
    expect(key).toContain('squared errors summed over the 784 values of an example');
    expect(fixed.metrics[key as string]).toBeCloseTo(
      sseFromReconstruction(last.reconstruction, 0.25, 784) + last.kl,
      2,
    );
    expect(f.stdout).toContain(`SSE + KL ${(fixed.metrics[key as string] as number).toFixed(3)}`);
    const html = await readFile(join(fixedOut, 'report.html'), 'utf8');
    expect(html).toContain('final training SSE + KL (squared errors summed');
  });
});

// learnedSigma reads the learned scalar: exp(logVar / 2).
describe('learnedSigma', () => {
  it('is exp(logVar / 2) of a learned scalar variance, undefined otherwise', async () => {
    await tf.setBackend('cpu');
    const vae = buildMlpVAE({
      inputShape: [4],
      latentDim: 2,
      hiddenUnits: [4],
      likelihood: { kind: 'learned-gaussian', variance: 'scalar', initialLogVar: Math.log(0.09) },
    });
    expect(learnedSigma(vae)).toBeCloseTo(0.3, 5);
    vae.dispose();
    const fixed = buildMlpVAE({ inputShape: [4], latentDim: 2, hiddenUnits: [4], likelihood: 'gaussian' });
    expect(learnedSigma(fixed)).toBeUndefined();
    fixed.dispose();
  });
});
