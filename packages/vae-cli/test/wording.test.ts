// What the CLI and its report say: counts with the right noun, numbers that agree with what ran,
// a report that says what a run changed from its preset, progress for `vae eval`, and a hint when
// a run was too short to learn.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { buildMlpVAE, type EpochLogs } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { count, plural } from '../src/cli/words.js';
import { baselineOf, changesFrom, runDescription } from '../src/run/baseline.js';
import { batchesWithProgress } from '../src/run/data.js';
import { PRESETS } from '../src/run/presets.js';
import { progressLine } from '../src/run/progress.js';
import { mergeSettings } from '../src/run/resolve-settings.js';
import type { TrainSettings } from '../src/run/settings.js';
import { shortRunWarnings } from '../src/run/short-run.js';
import { runCli, tempDir } from './helpers.js';

const preset = (name: string): TrainSettings => structuredClone(PRESETS[name] as TrainSettings);

/** Epoch logs with the given loss and KL per epoch, `batches` batches each. */
function epochs(values: Array<[loss: number, kl: number]>, batches: number): EpochLogs[] {
  return values.map(([loss, kl], i) => ({
    epoch: i,
    loss,
    reconstruction: loss - kl,
    kl,
    klWeight: 1,
    beta: 1,
    learningRate: 1e-3,
    batches,
    examples: batches * 32,
    seconds: 1,
  }));
}

describe('counts and nouns', () => {
  it('uses the singular for one and the plural otherwise, with thousands separated', () => {
    expect(plural(1, 'epoch')).toBe('1 epoch');
    expect(plural(0, 'epoch')).toBe('0 epochs');
    expect(plural(8000, 'training digit')).toBe('8,000 training digits');
    expect(plural(2, 'batch', 'batches')).toBe('2 batches');
    expect(count(1500)).toBe('1,500');
  });
});

describe('what a run changed from its preset', () => {
  it('lists each changed setting as "run instead of preset", and nothing for an unchanged run', () => {
    const base = baselineOf('the keras-mnist preset', preset('keras-mnist'));
    const run = mergeSettings(preset('keras-mnist'), {
      epochs: 1,
      limit: 48,
      batchSize: 16,
      architecture: { filters: [4, 8] },
      seed: 3,
      backend: 'cpu',
    });
    expect(changesFrom(base, run)).toEqual([
      '1 epoch instead of 10',
      'the first 48 training examples instead of all',
      'batch 16 instead of 128',
      'filters [4,8] instead of [32,64]',
    ]);
    expect(changesFrom(base, preset('keras-mnist'))).toEqual([]);
    expect(runDescription(preset('keras-mnist'), base)).toBe(preset('keras-mnist').description);
    const text = runDescription(run, base);
    expect(text.startsWith('This run changed the keras-mnist preset: 1 epoch instead of 10; ')).toBe(true);
    expect(text).toContain(`. The keras-mnist preset: ${preset('keras-mnist').description}`);
  });

  it('words an iteration budget and a limit that appear or go away', () => {
    const base = baselineOf('the conv-leaky-mse preset', preset('conv-leaky-mse'));
    expect(changesFrom(base, mergeSettings(preset('conv-leaky-mse'), { iterations: 6, every: 3 }))).toEqual([
      '6 iterations instead of 30,000',
      'the loss and pictures every 3 iterations instead of 200',
    ]);
    const mlp = baselineOf('the mlp preset', mergeSettings(preset('mlp'), { limit: 128 }));
    expect(changesFrom(mlp, preset('mlp'))).toEqual(['all training examples instead of the first 128']);
    expect(changesFrom(mlp, mergeSettings(preset('mlp'), { limit: 1, epochs: 2 }))).toEqual([
      '2 epochs instead of 10',
      'the first 1 training example instead of 128',
    ]);
  });
});

describe('a run too short to learn', () => {
  it('says nothing about a run that learned', () => {
    expect(
      shortRunWarnings({
        settings: preset('mlp'),
        steps: 630,
        epochs: epochs(
          [
            [180, 20],
            [150, 25],
          ],
          63,
        ),
      }),
    ).toEqual([]);
  });

  it('names few steps and a KL near 0, and the epochs that would give enough steps', () => {
    const s = mergeSettings(preset('mlp'), { limit: 64, batchSize: 32, epochs: 1 });
    const warnings = shortRunWarnings({ settings: s, steps: 2, epochs: epochs([[540, 0.02]], 2) });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toBe(
      'It took only 2 optimizer steps; a VAE needs a few hundred at least before its pictures show more than an average blur.',
    );
    expect(warnings[1]).toMatch(/^Its KL term ended at 0\.020 nats per example: .* about the same image\.$/);
    expect(warnings[2]).toBe(
      'Train longer: --epochs 750 (1,500 steps), or train on more data: raise --limit (64 now) or drop it.',
    );
  });

  it('names a loss that did not fall, and raises --iterations (with --epochs when it would stop first)', () => {
    const s = mergeSettings(preset('conv-leaky-mse'), { iterations: 400, epochs: 2, limit: null });
    const warnings = shortRunWarnings({
      settings: s,
      steps: 400,
      epochs: epochs(
        [
          [90, 3],
          [91, 3],
        ],
        200,
      ),
    });
    expect(warnings).toEqual([
      'Its loss did not fall (90.00 after the first epoch, 91.00 after the last).',
      'Train longer: --iterations 1500 --epochs 8.',
    ]);
  });
});

describe('vae eval progress', () => {
  it('redraws one line with a bar in a terminal and closes it with the totals', () => {
    let t = 0;
    const out: string[] = [];
    const line = progressLine('negative ELBO', 4, { write: (s) => out.push(s), live: true, width: 8, now: () => t });
    for (let i = 0; i < 4; i++) {
      t += 500;
      line.advance(100);
    }
    line.done();
    expect(out[0]).toBe('\rnegative ELBO [==      ] 1/4 eta 2s  200 img/s   ');
    expect(out[3]).toBe('\rnegative ELBO [========] 4/4 eta 0s  200 img/s   ');
    expect(out[4]).toBe('\rnegative ELBO [========]: 4/4 batches, 400 examples in 2s, 200 img/s          \n');
  });

  it('writes a line every heartbeat in a log, and the totals at the end', () => {
    let t = 0;
    const out: string[] = [];
    const line = progressLine('importance-weighted NLL (k = 100)', 10, {
      write: (s) => out.push(s),
      live: false,
      heartbeatSeconds: 15,
      now: () => t,
    });
    for (let i = 0; i < 10; i++) {
      t += 4000;
      line.advance(50);
    }
    line.done();
    expect(out).toEqual([
      '  importance-weighted NLL (k = 100): batch 4/10  13 img/s eta 24s\n',
      '  importance-weighted NLL (k = 100): batch 8/10  13 img/s eta 8s\n',
      'importance-weighted NLL (k = 100): 10/10 batches, 500 examples in 40s, 13 img/s\n',
    ]);
  });

  it('batches with progress give the same ELBO and NLL as the tensors, advance once per batch, leak nothing', async () => {
    const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 4 });
    const x = tf.randomUniform([23, 12], 0, 1, 'float32', 5);
    const sizes: number[] = [];
    const before = tf.memory().numTensors;
    const elbo = await vae.evaluate(
      batchesWithProgress(x, undefined, (n) => sizes.push(n)),
      {
        batchSize: 10,
        seed: 2,
      },
    );
    const nll = await vae.estimateNll(
      batchesWithProgress(x, undefined, (n) => sizes.push(n)),
      {
        importanceSamples: 4,
        batchSize: 10,
        seed: 2,
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(sizes).toEqual([10, 10, 3, 10, 10, 3]);
    expect(elbo).toEqual(await vae.evaluate(x, { batchSize: 10, seed: 2 }));
    expect(nll).toEqual(await vae.estimateNll(x, { importanceSamples: 4, batchSize: 10, seed: 2 }));
    x.dispose();
    vae.dispose();
  });
});

describe('what a tiny run prints and reports', () => {
  it('agrees with what ran: epochs, digits, steps, what changed, and why the pictures are grey', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const flags = ['--limit', '64', '--batch-size', '32', '--epochs', '1', '--backend', 'wasm'];
    const r = await runCli(['train', '--preset', 'mlp', ...flags, '--out', out], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('data: MNIST (embedded): 64 training digits, 16 test digits for validation');
    expect(lines).toContain('training mlp: 1 epoch, batch 32, lr 0.001, beta 1, seed 42');
    expect(r.stdout).toMatch(/^trained 2 steps in \d+s; evaluating and drawing\.\.\.$/m);
    expect(r.stdout).toMatch(
      /^evaluation on the 16 test digits that validate: negative ELBO \d+\.\d\d nats, IWAE NLL \(k = 20\) \d+\.\d\d nats$/m,
    );
    expect(r.stdout).not.toMatch(/\b1 epochs\b|held-out 200/);
    expect(lines).toContain('note: expect grey, look-alike pictures from this run:');
    expect(lines).toContain(
      '  Train longer: --epochs 750 (1,500 steps), or train on more data: raise --limit (64 now) or drop it.',
    );

    const html = await readFile(join(out, 'report.html'), 'utf8');
    const header = /<header>.*?<\/header>/s.exec(html)?.[0] ?? '';
    expect(header).toContain(
      '<p>This run changed the mlp preset: 1 epoch instead of 10; the first 64 training examples instead of all; batch 32 instead of 128. What ran: The classic fully connected VAE: 784-400-20 with relu, binary cross-entropy + KL, Adam 1e-3, batch 32, 1 epoch.',
    );
    expect(html).toContain('<section class="warnings" role="note">');
    expect(html).toContain('<li>It took only 2 optimizer steps;');
    expect(html.match(/Training curves/g)).toHaveLength(1);
    expect(html).toContain('<th scope="row">evaluated on</th><td><code>the 16 test digits that validate</code>');

    // `vae report` of the saved run says the same from config.json and history.json.
    const again = await runCli(['report', '--run', out], dir);
    expect(again.code).toBe(0);
    const rewritten = await readFile(join(out, 'report.html'), 'utf8');
    expect(/<header>.*?<\/header>/s.exec(rewritten)?.[0]?.replace(/ · [^<]*/, '')).toBe(header.replace(/ · [^<]*/, ''));
    expect(rewritten).toContain('<li>It took only 2 optimizer steps;');

    // `vae eval` says what it evaluates and shows progress for each measure.
    const evaluated = await runCli(['eval', '--run', out, '--importance-samples', '3'], dir);
    expect(evaluated.code).toBe(0);
    const evalLines = evaluated.stdout.split('\n');
    expect(evalLines).toContain(
      'evaluating on 16 test digits (all the run has): the negative ELBO, then the importance-weighted NLL with k = 3',
    );
    expect(evaluated.stdout).toMatch(/^negative ELBO: 1\/1 batch, 16 examples in \d+s/m);
    expect(evaluated.stdout).toMatch(/^importance-weighted NLL \(k = 3\): 1\/1 batch, 16 examples in \d+s/m);
  });

  it('reports an unchanged demo-sized description as it is', async () => {
    const s = preset('mlp');
    expect(runDescription(s, baselineOf('the mlp preset', s))).toBe(s.description);
    expect(runDescription(s, undefined)).toBe(s.description);
  });
});
