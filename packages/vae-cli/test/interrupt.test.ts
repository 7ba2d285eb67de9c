import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, interruptWhen, runCli, startCli, tempDir } from './helpers.js';

describe('Ctrl-C and --resume', () => {
  it('SIGINT writes a checkpoint and exits with 130; --resume finishes the run', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    // Enough batches on the slow cpu backend that the signal lands mid-training; `--every 5`
    // prints a line every 5 steps, so the signal is sent once training has visibly begun
    // (a fixed delay was too short on a loaded machine).
    const child = startCli(
      [
        'train',
        '--preset',
        'mlp',
        '--limit',
        '4000',
        '--batch-size',
        '32',
        '--epochs',
        '2',
        '--every',
        '5',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      dir,
    );
    const done = collect(child);
    await interruptWhen(child, /iteration 10\b/);
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/Ctrl-C: stopping after this batch and writing a checkpoint/);
    expect(interrupted.stdout).toMatch(/interrupted after \d+ steps: checkpoint written to/);
    expect(interrupted.stdout).toContain(`continue with: vae train --resume`);
    expect((await stat(join(out, 'checkpoint', 'vae.json'))).size).toBeGreaterThan(0);
    expect((await stat(join(out, 'checkpoint', 'extra', 'optimizer.bin'))).size).toBeGreaterThan(0);
    const record = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(record.status).toBe('interrupted');
    const checkpoint = JSON.parse(await readFile(join(out, 'checkpoint', 'vae.json'), 'utf8'));
    const stepsBefore = checkpoint.trainingState.step as number;
    expect(stepsBefore).toBeGreaterThan(0);
    expect(stepsBefore).toBeLessThan(2 * 125);

    // Resume on a faster backend with a smaller goal: one epoch in all.
    const resumed = await runCli(['train', '--resume', out, '--epochs', '1', '--backend', 'wasm'], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming mlp: 1 epoch,/);
    const after = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(after.status).toBe('completed');
    expect(after.steps).toBe(stepsBefore + 125);
    expect(after.backend.name).toBe('wasm');
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    expect(history.epochs).toHaveLength(1);
    expect((await stat(join(out, 'model', 'vae.json'))).size).toBeGreaterThan(0);
    expect((await stat(join(out, 'report.html'))).size).toBeGreaterThan(0);

    // Nothing left to train: a clear message.
    const again = await runCli(['train', '--resume', out, '--epochs', '1'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already trained 1 of 1 epoch\. /);
    // The model and data cannot change on resume.
    const changed = await runCli(['train', '--resume', out, '--latent-dim', '4'], dir);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/--latent-dim cannot change when resuming/);
  });
});
