import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeJson } from './helpers.js';

/** A bad command line must end with one line on stderr, no stack trace, and a non-zero status. */
async function expectUsageError(args: string[], message: RegExp, cwd?: string) {
  const r = await runCli(args, cwd ?? (await tempDir()));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

describe('vae CLI: bad flags and config', () => {
  it('rejects an unknown flag, naming it and the known flags', async () => {
    await expectUsageError(
      ['train', '--preset', 'mlp', '--epoch', '2'],
      /^vae: train: unknown flag --epoch\. Known flags: --preset/,
    );
  });

  it('rejects an unknown preset, listing the presets', async () => {
    await expectUsageError(
      ['train', '--preset', 'vgg'],
      /unknown preset 'vgg'\. Presets: keras-mnist, conv-leaky-mse, lstm, cars128, mlp, cvae-beta\./,
    );
  });

  it('rejects a non-numeric or out-of-range value', async () => {
    await expectUsageError(
      ['train', '--preset', 'mlp', '--epochs', 'three'],
      /--epochs must be an integer >= 1, got "three"/,
    );
    await expectUsageError(
      ['train', '--preset', 'mlp', '--lr=-1'],
      /--lr must be a number between 1e-12 and 10, got "-1"/,
    );
  });

  it('asks for --data when cars128 has no image folder', async () => {
    await expectUsageError(['train', '--preset', 'cars128'], /cars128 trains on a folder of images: pass --data <dir>/);
  });

  it('rejects a run folder that does not exist', async () => {
    await expectUsageError(['sample', '--run', 'runs/none'], /--run runs\/none: no such folder/);
    await expectUsageError(['train', '--resume', 'runs/none'], /--resume runs\/none: no such folder/);
  });

  it('rejects an unknown command', async () => {
    await expectUsageError(['fly'], /unknown command 'fly'\. Commands: demo, train, sample/);
  });

  it('rejects a config file with an unknown setting, a wrong type or bad JSON', async () => {
    const dir = await tempDir();
    const unknown = await writeJson(dir, 'unknown.json', { preset: 'mlp', epochz: 3 });
    await expectUsageError(['train', '--config', unknown], /unknown setting 'epochz'\. Known settings: preset/, dir);
    const wrong = await writeJson(dir, 'wrong.json', { preset: 'mlp', batchSize: 'big' });
    await expectUsageError(['train', '--config', wrong], /batchSize must be an integer, got "big"/, dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/broken.json`, '{ "preset": ');
    await expectUsageError(['train', '--config', `${dir}/broken.json`], /broken\.json: not valid JSON/, dir);
  });

  it('reports a missing native backend with what to install, without a stack trace', async () => {
    const r = await runCli(['train', '--preset', 'mlp', '--backend', 'node-gpu', '--limit', '8'], await tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/@tensorflow\/tfjs-node-gpu/);
    expect(r.stderr).toMatch(/CUDA 11\.2 and cuDNN 8\.1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints help for every command', async () => {
    const dir = await tempDir();
    for (const command of ['train', 'sample', 'reconstruct', 'interpolate', 'eval', 'report']) {
      const r = await runCli([command, '--help'], dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: vae ${command}`);
    }
  });
});
