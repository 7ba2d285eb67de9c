import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, interruptWhen, runCli, startCli, tempDir, writeJson } from './helpers.js';

/** `--workers`: training on worker threads (fitParallel), with checkpoints, Ctrl-C and --resume. */
async function expectFiles(dir: string, files: string[]) {
  for (const f of files) {
    const info = await stat(join(dir, f)).catch(() => undefined);
    expect(info?.size ?? 0, `${f} in ${dir}`).toBeGreaterThan(0);
  }
}

describe('vae train --workers', () => {
  it('trains a conv preset on 2 workers and writes every file', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 4, 4] } });
    const r = await runCli(
      [
        'train',
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
        '--workers',
        '2',
        '--out',
        out,
        '--seed',
        '3',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('training on 2 workers (wasm)');
    await expectFiles(out, [
      'config.json',
      'history.json',
      'report.html',
      'model/vae.json',
      'checkpoint/vae.json',
      'checkpoint/extra/optimizer.bin',
      'samples.png',
      'reconstructions.png',
      'progress/iter-000003.png',
      'progress/iter-000006.png',
      'progress.gif',
    ]);
    const record = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(record.status).toBe('completed');
    expect(record.workers).toBe(2);
    expect(record.metrics.workers).toBe(2);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    expect(history.steps).toBe(6);
    expect(history.epochs[0].loss).toBeGreaterThan(0);
  });

  it('Ctrl-C on 2 workers writes a checkpoint that --resume finishes (on 2 workers or 1)', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 8], denseUnits: 8 } });
    // 40 batches an epoch; the loss is printed every iteration, so the signal lands mid-epoch.
    const args = ['--preset', 'keras-mnist', '--config', config, '--limit', '640', '--batch-size', '16'];
    const child = startCli(
      ['train', ...args, '--epochs', '2', '--every', '1', '--backend', 'wasm', '--workers', '2', '--out', out],
      dir,
    );
    const done = collect(child);
    await interruptWhen(child, /iteration 3\b/);
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('training on 2 workers (wasm)');
    expect(interrupted.stdout).toMatch(/interrupted after \d+ steps: checkpoint written to/);
    const checkpoint = JSON.parse(await readFile(join(out, 'checkpoint', 'vae.json'), 'utf8'));
    const stepsBefore = checkpoint.trainingState.step as number;
    expect(stepsBefore).toBeGreaterThanOrEqual(3);
    expect(stepsBefore).toBeLessThan(40);
    expect(checkpoint.trainingState.epoch).toBe(0);
    expect(checkpoint.trainingState.optimizer.className).toBe('Adam');
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).status).toBe('interrupted');

    const resumed = await runCli(['train', '--resume', out, '--epochs', '1', '--workers', '2'], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming keras-mnist: 1 epochs/);
    const after = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(after.status).toBe('completed');
    expect(after.workers).toBe(2);
    expect(after.steps).toBe(stepsBefore + 40);

    // The same checkpoint format serves a single-thread run: one more epoch on one worker.
    const single = await runCli(['train', '--resume', out, '--epochs', '2', '--workers', '1'], dir);
    expect(single.stderr).toBe('');
    expect(single.code).toBe(0);
    expect(single.stdout).not.toContain('workers (');
    const last = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(last.workers).toBe(1);
    expect(last.steps).toBe(stepsBefore + 80);
  });

  it('--backend auto uses 2 workers for conv models and fused MLPs on wasm with several cores, 1 for other MLPs', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 8], denseUnits: 8 } });
    const small = ['--limit', '32', '--batch-size', '16', '--epochs', '1', '--backend', 'auto'];
    const conv = await runCli(
      ['train', '--preset', 'keras-mnist', '--config', config, ...small, '--out', join(dir, 'conv')],
      dir,
    );
    expect(conv.code).toBe(0);
    const onWasm = /backend: wasm/.test(conv.stdout);
    // Node 20 keeps relaxed SIMD behind a V8 flag, which useBackend turns on
    if (onWasm) expect(conv.stdout).toContain('backend: wasm (with training kernels, fused multiply-add)');
    const expected = onWasm && availableParallelism() > 1 ? 2 : 1;
    expect(conv.stdout.includes('training on 2 workers (wasm)')).toBe(expected === 2);
    expect(JSON.parse(await readFile(join(dir, 'conv', 'config.json'), 'utf8')).workers).toBe(expected);
    // The MLP preset trains with fitParallel's fused dense step: two workers, said so.
    const mlp = await runCli(['train', '--preset', 'mlp', ...small, '--out', join(dir, 'mlp')], dir);
    expect(mlp.code).toBe(0);
    expect(mlp.stdout.includes('training on 2 workers (wasm, fused dense step)')).toBe(expected === 2);
    expect(JSON.parse(await readFile(join(dir, 'mlp', 'config.json'), 'utf8')).workers).toBe(expected);
    // With dropout it trains with tfjs autodiff, where two workers gain nothing: one thread.
    const dropout = await writeJson(dir, 'dropout.json', { architecture: { hiddenUnits: [32], dropout: 0.1 } });
    const plain = await runCli(
      ['train', '--preset', 'mlp', '--config', dropout, ...small, '--out', join(dir, 'dropout')],
      dir,
    );
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('workers (');
    expect(JSON.parse(await readFile(join(dir, 'dropout', 'config.json'), 'utf8')).workers).toBe(1);
  });

  it('refuses --workers 2 off wasm with a clear error, and a bad count', async () => {
    const dir = await tempDir();
    const cpu = await runCli(['train', '--preset', 'mlp', '--limit', '8', '--workers', '2', '--backend', 'cpu'], dir);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(
      /train --workers 2: training on several workers needs the wasm backend, but the run uses cpu\. Pass --backend wasm, or --workers 1\./,
    );
    expect(cpu.stderr).not.toMatch(/\n\s+at /);
    const zero = await runCli(['train', '--preset', 'mlp', '--limit', '8', '--workers', '0'], dir);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--workers/);
  });
});
