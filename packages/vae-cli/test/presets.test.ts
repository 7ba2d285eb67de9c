import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeImageFolder, runCli, tempDir, writeJson } from './helpers.js';

/**
 * Every preset end to end on a tiny budget: a few dozen examples, one epoch, and (through a
 * --config file) small networks, so the slow pure-JS backends finish in seconds.
 */
const COMMON_FILES = [
  'config.json',
  'history.json',
  'report.html',
  'model/vae.json',
  'model/encoder/model.json',
  'model/decoder/weights.bin',
  'checkpoint/vae.json',
  'checkpoint/extra/optimizer.bin',
];

async function expectFiles(dir: string, files: string[]) {
  for (const f of files) {
    const info = await stat(join(dir, f)).catch(() => undefined);
    expect(info?.size ?? 0, `${f} in ${dir}`).toBeGreaterThan(0);
  }
}

async function train(args: string[], files: string[]) {
  const dir = await tempDir();
  const out = join(dir, 'run');
  const r = await runCli(['train', ...args, '--out', out, '--epochs', '1', '--seed', '3'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await expectFiles(out, [...COMMON_FILES, ...files]);
  const record = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  expect(record.status).toBe('completed');
  expect(typeof record.backend.name).toBe('string');
  const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
  expect(history.epochs.length).toBeGreaterThan(0);
  expect(Number.isFinite(history.epochs[0].loss)).toBe(true);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  expect(html).toContain('<img');
  expect(r.stdout).toContain(`open `);
  return { dir, out, stdout: r.stdout, record, history };
}

describe('presets run end to end on a tiny budget', () => {
  it('mlp, then sample, reconstruct, interpolate, eval and report on the saved run', async () => {
    const { record, out, dir } = await train(
      ['--preset', 'mlp', '--limit', '128', '--backend', 'wasm'],
      ['loss.svg', 'samples.png', 'reconstructions.png'],
    );
    expect(record.backend.name).toBe('wasm');
    expect(record.settings.limit).toBe(128);
    const run = ['--run', out];
    expect((await runCli(['sample', ...run, '--n', '9', '--seed', '5'], dir)).code).toBe(0);
    expect((await runCli(['reconstruct', ...run, '--n', '8', '--out', join(dir, 'r.png')], dir)).code).toBe(0);
    expect((await runCli(['interpolate', ...run, '--from', '2', '--to', '5', '--steps', '6'], dir)).code).toBe(0);
    const evaluated = await runCli(['eval', ...run, '--limit', '32', '--importance-samples', '5'], dir);
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/negative ELBO: \d+\.\d+ nats/);
    expect(evaluated.stdout).toMatch(/importance-weighted NLL \(k = 5\): \d+\.\d+ nats/);
    expect((await runCli(['report', ...run], dir)).code).toBe(0);
    await expectFiles(out, ['samples-5.png', 'interpolation-2-5.png', 'eval.json', 'report.html']);
    await expectFiles(dir, ['r.png']);
    const evaluation = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
    expect(evaluation.nll.nll).toBeLessThanOrEqual(evaluation.negativeElbo.loss + 1);
  });

  it('keras-mnist (small filters)', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 8], denseUnits: 8 } });
    const { record } = await train(
      ['--preset', 'keras-mnist', '--config', config, '--limit', '48', '--batch-size', '16', '--backend', 'wasm'],
      ['loss.svg', 'manifold.png', 'latent-scatter.svg', 'samples.png'],
    );
    expect(record.settings.latentDim).toBe(2);
    expect(record.settings.architecture.filters).toEqual([4, 8]);
  });

  it('conv-leaky-mse (iteration budget, pictures every N iterations)', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 4, 4] } });
    const { stdout, history } = await train(
      [
        '--preset',
        'conv-leaky-mse',
        '--config',
        config,
        '--limit',
        '64',
        '--batch-size',
        '8',
        '--iterations',
        '6',
        '--every',
        '3',
        '--backend',
        'wasm',
      ],
      [
        'loss.svg',
        'loss-iterations.svg',
        'samples.png',
        'reconstructions.png',
        'progress/iter-000003.png',
        'progress/iter-000006.png',
        'progress.gif',
      ],
    );
    expect(stdout).toMatch(/iteration 3\/6 {2}loss/);
    expect(history.steps).toBe(6);
    expect(history.iterations).toHaveLength(2);
  });

  it('lstm (validation split, summaries printed)', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { units: 16, decoderUnits: [16] } });
    const { stdout, history } = await train(
      ['--preset', 'lstm', '--config', config, '--limit', '64', '--batch-size', '32', '--backend', 'wasm'],
      ['loss.svg', 'reconstructions.png', 'samples.png'],
    );
    expect(stdout).toMatch(/Total params/);
    expect(stdout).toMatch(/45 training digits, 19 held out/);
    expect(history.epochs[0].valLoss).toBeGreaterThan(0);
  });

  it('cars128 (generated PNG/JPEG folder, small images)', async () => {
    const dir = await tempDir();
    const images = join(dir, 'cars');
    await mkdir(images);
    await makeImageFolder(images, 10);
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 8] }, latentDim: 4 });
    const { record } = await train(
      [
        '--preset',
        'cars128',
        '--data',
        images,
        '--image-size',
        '16',
        '--limit',
        '8',
        '--batch-size',
        '4',
        '--config',
        config,
        '--backend',
        'cpu',
      ],
      ['loss.svg', 'reconstructions.png', 'interpolation.png', 'samples.png'],
    );
    expect(record.settings.lrDecay).toEqual({ at: 20, factor: 0.1 });
  });

  it('cvae-beta (beta flag, latent-space GIF, one GIF per digit)', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { hiddenUnits: [32] } });
    const digits = Array.from({ length: 10 }, (_, d) => `digit-${d}.gif`);
    const { record, out } = await train(
      ['--preset', 'cvae-beta', '--config', config, '--beta', '4', '--limit', '128', '--backend', 'wasm'],
      ['loss.svg', 'samples.png', 'latent-scatter.svg', 'latent-space.gif', ...digits],
    );
    expect(record.settings.beta).toBe(4);
    const gif = await readFile(join(out, 'latent-space.gif'));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
  });
});
