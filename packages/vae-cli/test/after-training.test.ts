import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError, VAE } from '@vae/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CliIO } from '../src/cli/io.js';
import { trainCommand } from '../src/commands/train.js';
import { RunFolder } from '../src/run/run-folder.js';
import { tempDir } from './helpers.js';

/** A CliIO that keeps what a command prints. */
function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    write: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    isTTY: false,
  };
}

/** A tiny run: 256 digits, batch 128, one epoch (2 steps) on the cpu backend. */
const TINY = ['--preset', 'mlp', '--limit', '256', '--batch-size', '128', '--epochs', '1', '--backend', 'cpu'];

/** The error the wasm backend gave when the end-of-run evaluation ran out of its heap. */
function heapError(): BackendError {
  return new BackendError('estimateNll: the wasm backend failed (RuntimeError: memory access out of bounds).', {
    backend: 'wasm',
    cause: new WebAssembly.RuntimeError('memory access out of bounds'),
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('vae train: a failure after training', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('an evaluation that throws: config.json says failed with the time, steps and error; model and checkpoint stay', async () => {
    const out = join(await tempDir(), 'run');
    const failure = heapError();
    vi.spyOn(VAE.prototype, 'estimateNll').mockRejectedValue(failure);
    const io = capture();
    await expect(trainCommand([...TINY, '--out', out], io)).rejects.toBe(failure);

    const record = await new RunFolder(out).readRecord(); // a failed run's record reads back
    expect(record.status).toBe('failed');
    expect(record.steps).toBe(2);
    expect(record.seconds).toBeGreaterThan(0);
    expect(record.failure).toEqual({ stage: 'evaluating the model', error: 'BackendError', message: failure.message });
    expect(record.metrics?.['final training loss (nats)']).toEqual(expect.any(Number));
    expect(await exists(join(out, 'model', 'vae.json'))).toBe(true);
    expect(await exists(join(out, 'checkpoint', 'vae.json'))).toBe(true);
    expect(await exists(join(out, 'report.html'))).toBe(false);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    expect(history.steps).toBe(2);

    const said = io.stderr.join('');
    expect(said).toMatch(/training finished \(2 steps in \d+s\), then evaluating the model failed\./);
    expect(said).toContain(
      'config.json says status "failed", with the error; the run keeps model/ (the trained model), checkpoint/, history.json',
    );
    expect(said).toContain(`vae eval --run ${out}`);
    expect(said).toContain(`vae report --run ${out}`);
  }, 120_000);

  it('the first error surfaces when disposing the model throws after it (an aborted backend)', async () => {
    const out = join(await tempDir(), 'run');
    const failure = heapError();
    vi.spyOn(VAE.prototype, 'estimateNll').mockRejectedValue(failure);
    vi.spyOn(VAE.prototype, 'dispose').mockImplementation(() => {
      throw new Error('abort(RuntimeError: memory access out of bounds)');
    });
    await expect(trainCommand([...TINY, '--out', out], capture())).rejects.toBe(failure);
    vi.restoreAllMocks();
    expect((await new RunFolder(out).readRecord()).status).toBe('failed');
  }, 120_000);
});
