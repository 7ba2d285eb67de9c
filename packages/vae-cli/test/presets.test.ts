import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportHeading } from '../src/run/pictures.js';
import { PRESET_NAMES, PRESETS, presetText } from '../src/run/presets.js';
import type { TrainSettings } from '../src/run/settings.js';
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
  // Every report shows the model's summaries and parameter counts, printed or not.
  const model = /<section class="model"><h2>Model<\/h2>(.*?)<\/section>/s.exec(html)?.[1] ?? '';
  expect(model).toContain(`<th scope="row">total</th><td><code>${record.params.toLocaleString('en-US')}</code>`);
  expect(model).toContain('<pre class="summary">Model: &quot;encoder&quot;');
  expect(model).toContain('Model: &quot;decoder&quot;');
  return { dir, out, stdout: r.stdout, record, history, html };
}

/** The text of a report's figure captions and headings, tags dropped. */
function captions(html: string): string[] {
  return [...html.matchAll(/<(?:figcaption|h2)>(.*?)<\/(?:figcaption|h2)>/g)].map((m) => m[1]!);
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
    const { stdout, history, out, html } = await train(
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
        'progress/iter-000000.png',
        'progress/iter-000003.png',
        'progress/iter-000006.png',
        'progress.gif',
      ],
    );
    expect(stdout).toMatch(/iteration 3\/6 {2}loss \S+ {2}rec \S+ {2}kl \S+ {2}SSE \+ KL \S+/);
    // The write-up's loss (SSE + KL at sigma 1/sqrt(2)) beside the nats, recovered from them exactly.
    const record = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(record.settings.sigma).toBe(Math.SQRT1_2);
    const last = history.epochs[history.epochs.length - 1];
    const sse = 2 * 0.5 * (last.reconstruction - 392 * Math.log(2 * Math.PI * 0.5));
    const key = Object.keys(record.metrics).find((k) => k.startsWith('final training SSE + KL ('));
    expect(record.metrics[key as string]).toBeCloseTo(sse + last.kl, 2);
    expect(record.metrics['final training loss (nats)']).toBeCloseTo(sse + last.kl + 392 * Math.log(Math.PI), 2);
    expect(stdout).toContain(`SSE + KL ${record.metrics[key as string].toFixed(3)}`);
    expect(html).toContain(key);
    expect(history.steps).toBe(6);
    expect(history.iterations).toHaveLength(2);
    // The animation starts from the untrained model: iterations 0, 3 and 6.
    expect((await readdir(join(out, 'progress'))).sort()).toEqual([
      'iter-000000.png',
      'iter-000003.png',
      'iter-000006.png',
    ]);
    const sharp = (await import('sharp')).default;
    expect((await sharp(await readFile(join(out, 'progress.gif')), { animated: true }).metadata()).pages).toBe(3);
    expect(captions(html)).toContain(
      'Input (left) and decoded (right), 3 frames from iteration 0 (before the first step) to 6.',
    );
    // The per-iteration plot counts iterations on its x axis; the per-epoch plot counts epochs.
    const axisLabels = (svg: string) => [...svg.matchAll(/class="axis-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    const iterations = await readFile(join(out, 'loss-iterations.svg'), 'utf8');
    expect(axisLabels(iterations)).toContain('iteration');
    expect(axisLabels(iterations)).not.toContain('epoch');
    expect(iterations).toContain('<title>iteration 3: ');
    expect(axisLabels(await readFile(join(out, 'loss.svg'), 'utf8'))).toContain('epoch');
    expect(captions(html)).toContain('Decoded test digits through training');
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
    const { record, html } = await train(
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
    // The title and description speak of the size that ran; the pictures of training images.
    expect(html).toContain('<title>Conv VAE on 16x16 colour images</title>');
    const header = /<header>.*?<\/header>/s.exec(html)?.[0] ?? '';
    expect(header).toContain('This run changed the cars128 preset: ');
    expect(header).toContain('16x16 images instead of 128x128');
    expect(header).toContain('What ran: A folder of images resized to 16x16 RGB, a conv VAE (Conv 4 and 8, ');
    expect(header).toContain('a latent space of 4,');
    expect(header).toContain('batch 4, 1 epoch, no images held out.');
    expect(html).not.toMatch(/128x128 RGB|held-out|held out for/);
    expect(captions(html).filter((c) => c.startsWith('Originals'))).toEqual([
      'Originals (odd rows) above their reconstructions from the posterior mean (even rows), 8 examples (training images).',
    ]);
    expect(html).toContain('<th scope="row">evaluated on</th><td><code>8 training images');
  });

  it('cars128 with a validation split: the pictures show held-out images', async () => {
    const dir = await tempDir();
    const images = join(dir, 'cars');
    await mkdir(images);
    await makeImageFolder(images, 10);
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4] }, latentDim: 2 });
    const { html } = await train(
      [
        '--preset',
        'cars128',
        '--data',
        images,
        '--image-size',
        '8',
        '--validation-split',
        '0.3',
        '--batch-size',
        '4',
        '--config',
        config,
        '--backend',
        'cpu',
      ],
      ['reconstructions.png'],
    );
    expect(html).toContain('<title>Conv VAE on 8x8 colour images</title>');
    expect(html).toContain('30% of the training images held out for validation.');
    expect(captions(html).filter((c) => c.startsWith('Originals'))).toEqual([
      'Originals (odd rows) above their reconstructions from the posterior mean (even rows), 3 examples (held-out images).',
    ]);
    expect(html).not.toContain('training images)');
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

describe('preset titles and descriptions follow the settings a run uses', () => {
  const preset = (name: string): TrainSettings => structuredClone(PRESETS[name] as TrainSettings);

  it('writes each preset for its own settings, so an unchanged run quotes it as it is', () => {
    for (const name of PRESET_NAMES) {
      const s = preset(name);
      expect(presetText(s)).toEqual({ title: s.title, description: s.description });
      expect(s.description).toContain(`batch ${s.batchSize}`);
      expect(s.description).toContain(s.latentDim === 2 ? 'a 2-D latent space' : `${s.latentDim}`);
    }
    expect(preset('cars128').title).toBe('Conv VAE on 128x128 colour images');
    expect(preset('keras-mnist').description).toContain('Conv 32 and 64 (3x3, stride 2, relu), Dense 16,');
    expect(preset('conv-leaky-mse').description).toContain(
      'Three convolutions of 64 filters 4x4 (strides 2, 2, 1) with LeakyReLU and dropout 0.2, a latent space of 8, a Gaussian likelihood with sigma 1/sqrt(2) (--sigma; minimising it minimises SSE + KL, the summed squared difference + KL), Adam 5e-4, batch 64, trained for 30,000 iterations with the loss and input/decoded pictures every 200 iterations',
    );
  });

  it('rewrites every number a flag can change', () => {
    const cars = {
      ...preset('cars128'),
      imageSize: 64,
      epochs: 3,
      batchSize: 32,
      lr: 2e-3,
      latentDim: 16,
      validationSplit: 0.1,
    };
    expect(presetText(cars)).toEqual({
      title: 'Conv VAE on 64x64 colour images',
      description:
        'A folder of images resized to 64x64 RGB, a conv VAE (Conv 32, 64, 128, 256, stride 2, LeakyReLU, upsampling decoder), a latent space of 16, a Gaussian likelihood with sigma 1 (--sigma; the summed squared error weighted by 1/(2 sigma^2) = 0.5, + KL), Adam 2e-3 then 2e-4 from epoch 20 (piecewise constant), batch 32, 3 epochs, 10% of the training images held out for validation. At sigma 1 a colour run can settle on the mean image (a KL near 0); --sigma 0.1 or --sigma learned weights the pixels more.',
    });
    const keras = presetText({ ...preset('keras-mnist'), epochs: 30, batchSize: 64, likelihood: 'gaussian' });
    expect(keras.description).toContain(
      'a Gaussian likelihood with sigma 1 (--sigma; the summed squared error weighted by 1/(2 sigma^2) = 0.5, + KL), Adam 1e-3, batch 64, 30 epochs.',
    );
    const leaky = presetText({ ...preset('conv-leaky-mse'), iterations: 500, every: 50, likelihood: 'bernoulli' });
    expect(leaky.title).toBe('Conv VAE with LeakyReLU, dropout and BCE');
    expect(leaky.description).toContain(
      'batch 64, trained for 500 iterations with the loss and input/decoded pictures every 50 iterations',
    );
    expect(presetText({ ...preset('lstm'), validationSplit: 0 }).description).toContain('the test digits validate');
    expect(presetText({ ...preset('mlp'), latentDim: 2 }).description).toContain('784-400-2 with relu');
    const cvae = presetText({ ...preset('cvae-beta'), beta: 4 });
    expect(cvae.title).toBe('Conditional beta-VAE on MNIST (beta 4)');
    expect(cvae.description).toContain('KL weighted by beta = 4 (--beta)');
  });

  it('keeps a title or description given by a --config file or the command, and names the changes first', () => {
    const own = { ...preset('cars128'), imageSize: 64, title: 'My cars', description: 'Cars at 128x128, my way.' };
    expect(presetText(own)).toEqual({ title: 'My cars', description: 'Cars at 128x128, my way.' });
    const baseline = { name: 'the cars128 preset', settings: { imageSize: 128 } };
    expect(reportHeading(own, baseline)).toEqual({
      title: 'My cars',
      description:
        'This run changed the cars128 preset: 64x64 images instead of 128x128. The cars128 preset: Cars at 128x128, my way.',
    });
    const ran = { ...preset('cars128'), imageSize: 64 };
    expect(reportHeading(ran, baseline).description).toMatch(
      /^This run changed the cars128 preset: 64x64 images instead of 128x128\. What ran: A folder of images resized to 64x64 RGB,/,
    );
    expect(reportHeading(preset('cars128'), { name: 'the cars128 preset', settings: { imageSize: 128 } })).toEqual({
      title: preset('cars128').title,
      description: preset('cars128').description,
    });
  });
});
