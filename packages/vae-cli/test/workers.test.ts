import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, interruptWhen, runCli, startCli, tempDir, writeJson } from './helpers.js';

/**
 * How a run trains: the training plan of @vae/backends (worker threads or in-thread, printed with
 * its reasons), `--workers`, and checkpoints, Ctrl-C and --resume on workers.
 */
/** The description of a conv model's engine on 2 workers (a detail may follow in the brackets). */
const AUTODIFF_ON_2 = /^2 workers \(wasm, tfjs autodiff replicas\b/;

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
    expect(r.stdout).toMatch(
      /^training: 2 workers \(wasm, tfjs autodiff replicas.*\)\n {2}why: 2 workers were asked for\n/m,
    );
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
    expect(record.engine.description).toMatch(AUTODIFF_ON_2);
    expect(record.engine.reasons).toEqual(['2 workers were asked for']);
    expect(record.metrics.training).toBe(record.engine.description);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    expect(history.steps).toBe(6);
    expect(history.epochs[0].loss).toBeGreaterThan(0);
    // The progress pictures draw the model as trained so far (the workers' weights, synced), not
    // the weights it started with.
    const [at3, at6] = await Promise.all(
      ['progress/iter-000003.png', 'progress/iter-000006.png'].map((f) => readFile(join(out, f))),
    );
    expect(Buffer.compare(at3 as Buffer, at6 as Buffer)).not.toBe(0);
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
    expect(interrupted.stdout).toMatch(/^training: 2 workers \(wasm, tfjs autodiff replicas/m);
    expect(interrupted.stdout).toMatch(/interrupted after \d+ steps: checkpoint written to/);
    const checkpoint = JSON.parse(await readFile(join(out, 'checkpoint', 'vae.json'), 'utf8'));
    const stepsBefore = checkpoint.trainingState.step as number;
    expect(stepsBefore).toBeGreaterThanOrEqual(3);
    expect(stepsBefore).toBeLessThan(40);
    expect(checkpoint.trainingState.epoch).toBe(0);
    // Adam's state (@vae/backends' VAEAdam), which --resume continues on any engine.
    expect(checkpoint.trainingState.optimizer.className).toMatch(/Adam$/);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).status).toBe('interrupted');

    const resumed = await runCli(['train', '--resume', out, '--epochs', '1', '--workers', '2'], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming keras-mnist: 1 epoch,/);
    const after = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(after.status).toBe('completed');
    expect(after.workers).toBe(2);
    expect(after.engine.description).toMatch(AUTODIFF_ON_2);
    expect(after.steps).toBe(stepsBefore + 40);

    // The same checkpoint format serves a single-thread run: one more epoch on one worker.
    const single = await runCli(['train', '--resume', out, '--epochs', '2', '--workers', '1'], dir);
    expect(single.stderr).toBe('');
    expect(single.code).toBe(0);
    expect(single.stdout).toContain(
      'training: in-thread (wasm)\n  why: one worker was asked for: training in-thread\n',
    );
    expect(single.stdout).not.toContain('workers (');
    const last = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(last.workers).toBe(1);
    expect(last.engine.description).toBe('in-thread (wasm)');
    expect(last.steps).toBe(stepsBefore + 80);
  });

  it('--backend auto trains by the plan and prints it once: conv models and fused MLPs on 2 workers, an MLP with dropout in-thread, saying why', async () => {
    const dir = await tempDir();
    const config = await writeJson(dir, 'small.json', { architecture: { filters: [4, 8], denseUnits: 8 } });
    // Batches of 64 rows (smaller ones train in-thread whatever the model: the workers' round
    // trip), and runs long enough to repay starting the workers: 10 steps an epoch, 3 epochs for
    // the conv model (the plan wants 25 steps), 20 for the MLP (200).
    const small = ['--limit', '640', '--batch-size', '64', '--backend', 'auto'];
    const engineLines = (stdout: string) => stdout.match(/^training: .*$/gm) ?? [];
    const conv = await runCli(
      ['train', '--preset', 'keras-mnist', '--config', config, ...small, '--epochs', '3', '--out', join(dir, 'conv')],
      dir,
    );
    expect(conv.code).toBe(0);
    const onWasm = /backend: wasm/.test(conv.stdout);
    // Node 20 keeps relaxed SIMD behind a V8 flag, which useBackend turns on
    if (onWasm) expect(conv.stdout).toContain('backend: wasm (with training kernels, fused multiply-add)');
    const expected = onWasm && availableParallelism() > 1 ? 2 : 1;
    const record = async (run: string) => JSON.parse(await readFile(join(dir, run, 'config.json'), 'utf8'));
    expect(engineLines(conv.stdout)).toEqual([
      expected === 2
        ? expect.stringMatching(/^training: 2 workers \(wasm, tfjs autodiff replicas/)
        : expect.stringMatching(/^training: in-thread/),
    ]);
    if (expected === 2) expect(conv.stdout).toMatch(/\n {2}why: a conv VAE trains faster on 2 workers/);
    expect((await record('conv')).workers).toBe(expected);

    // The MLP preset trains with the fused MLP step: two workers, and why.
    const mlp = await runCli(['train', '--preset', 'mlp', ...small, '--epochs', '20', '--out', join(dir, 'mlp')], dir);
    expect(mlp.code).toBe(0);
    expect(engineLines(mlp.stdout)).toHaveLength(1);
    if (expected === 2) {
      expect(mlp.stdout).toContain(
        'training: 2 workers (wasm, fused MLP step)\n  why: an MLP VAE trains fastest on 2 workers with the fused MLP step',
      );
    }
    const mlpRecord = await record('mlp');
    expect(mlpRecord.workers).toBe(expected);
    expect(mlpRecord.engine.reasons).toHaveLength(1);

    // A run too short to repay starting the workers trains in-thread, and says so.
    const short = await runCli(
      ['train', '--preset', 'mlp', ...small, '--epochs', '1', '--out', join(dir, 'short')],
      dir,
    );
    expect(short.code).toBe(0);
    if (expected === 2) {
      expect(short.stdout).toContain(
        'training: in-thread (wasm)\n  why: a run of 10 steps: starting the workers (1 to 2 s) pays off from about 200 steps for an MLP VAE, so training runs in-thread\n',
      );
    }

    // With dropout the fused step cannot run, and MLPs on autodiff replicas gain nothing: in-thread, said why.
    const dropout = await writeJson(dir, 'dropout.json', { architecture: { hiddenUnits: [32], dropout: 0.1 } });
    const plain = await runCli(
      ['train', '--preset', 'mlp', '--config', dropout, ...small, '--epochs', '20', '--out', join(dir, 'dropout')],
      dir,
    );
    expect(plain.code).toBe(0);
    expect(engineLines(plain.stdout)).toEqual([expect.stringMatching(/^training: in-thread \(/)]);
    if (onWasm) {
      expect(plain.stdout).toMatch(/\n {2}why: the fused MLP step runs no dropout .*: training in-thread\n/);
    }
    expect(plain.stdout).not.toContain('workers (');
    const dropoutRecord = await record('dropout');
    expect(dropoutRecord.workers).toBe(1);
    expect(dropoutRecord.engine.description).toMatch(/^in-thread/);
  });

  it('refuses --workers 2 off wasm with a clear error, and a bad count', async () => {
    const dir = await tempDir();
    const cpu = await runCli(['train', '--preset', 'mlp', '--limit', '8', '--workers', '2', '--backend', 'cpu'], dir);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(
      /train --workers 2: training on several workers needs the wasm backend, but the run uses cpu\. Pass --backend wasm, or --workers 1\./,
    );
    expect(cpu.stderr).not.toMatch(/\n\s+at /);
    expect(cpu.stderr.trim().split('\n')).toHaveLength(1);
    const zero = await runCli(['train', '--preset', 'mlp', '--limit', '8', '--workers', '0'], dir);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--workers/);
  });
});
