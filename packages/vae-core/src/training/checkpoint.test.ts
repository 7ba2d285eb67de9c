import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ModelFormatError, VAEError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { loadCheckpoint, modelCheckpoint } from './checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'vae-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = () => join(root, `c${folders++}`);

const build = (options: { seed?: number; likelihood?: 'bernoulli' | 'gaussian'; hidden?: number } = {}) =>
  buildMlpVAE({
    inputShape: [12],
    hiddenUnits: [options.hidden ?? 8],
    latentDim: 2,
    seed: options.seed ?? 1,
    likelihood: options.likelihood ?? 'bernoulli',
  });

const x = tf.randomUniform([16, 12], 0, 1, 'float32', 3);
afterAll(() => x.dispose());

/** Trains two epochs and writes a checkpoint; returns its folder. */
async function checkpoint(vae: VAE): Promise<string> {
  const dir = folder();
  await vae.fit(x, {
    epochs: 2,
    batchSize: 8,
    seed: 4,
    verbose: 0,
    callbacks: [modelCheckpoint({ path: pathToFileURL(dir).href })],
  });
  return dir;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('a checkpoint knows its model', () => {
  it('records the architecture and the weights, and resumes with the model loadCheckpoint returns', async () => {
    const vae = build();
    const dir = await checkpoint(vae);
    const { vae: loaded, resume } = await loadCheckpoint(pathToFileURL(dir).href);
    expect(resume.state.version).toBe(2);
    expect(resume.state.model?.description).toBe(
      'buildMlpVAE, latent 2, bernoulli likelihood, 10 variables, 272 parameters',
    );
    expect(resume.state.model?.fingerprint).toMatch(/^[0-9a-f]{14}$/);
    const history = await loaded.fit(x, { epochs: 3, batchSize: 8, resume, verbose: 0 });
    expect(history.epochs).toHaveLength(3);
    loaded.dispose();
    vae.dispose();
  });

  it('refuses another model: different shapes (no raw broadcast error), or the same shapes and another likelihood', async () => {
    const vae = build();
    const { resume } = await loadCheckpoint(pathToFileURL(await checkpoint(vae)).href);
    const wider = build({ hidden: 16 });
    const error = await failure(wider.fit(x, { epochs: 3, batchSize: 8, resume, verbose: 0 }));
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error.message).toMatch(
      /the checkpoint was written for another model \(buildMlpVAE, latent 2, bernoulli likelihood, 10 variables, 272 parameters; fingerprint [0-9a-f]+\) than the one being trained \(buildMlpVAE, latent 2, bernoulli likelihood, 10 variables, 528 parameters/,
    );
    const gaussian = build({ likelihood: 'gaussian' });
    const sameShapes = await failure(gaussian.fit(x, { epochs: 3, batchSize: 8, resume, verbose: 0 }));
    expect(sameShapes).toBeInstanceOf(ModelFormatError);
    expect(sameShapes.message).toMatch(/gaussian likelihood/);
    for (const m of [vae, wider, gaussian]) m.dispose();
  });

  it("refuses the right architecture with other weights (a fresh model instead of the checkpoint's)", async () => {
    const vae = build();
    const { vae: loaded, resume } = await loadCheckpoint(pathToFileURL(await checkpoint(vae)).href);
    const fresh = build({ seed: 9 }); // another initialization seed: the same architecture
    const before = fresh.trainableVariables.map((v) => Array.from(v.dataSync()));
    const error = await failure(fresh.fit(x, { epochs: 3, batchSize: 8, resume, verbose: 0 }));
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error.message).toMatch(/has the checkpoint's architecture .* but not its weights/);
    expect(fresh.trainableVariables.map((v) => Array.from(v.dataSync()))).toEqual(before);
    for (const m of [vae, loaded, fresh]) m.dispose();
  });
});

describe('every file of a checkpoint is checked before use', () => {
  it('a truncated optimizer.bin is a ModelFormatError naming the file and both sizes', async () => {
    const vae = build();
    const dir = await checkpoint(vae);
    const bin = join(dir, 'extra', 'optimizer.bin');
    const bytes = readFileSync(bin);
    writeFileSync(bin, bytes.subarray(0, bytes.length - 12));
    const error = await failure(loadCheckpoint(pathToFileURL(dir).href));
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error.message).toMatch(
      new RegExp(
        `optimizer.bin holds ${bytes.length - 12} bytes, but the optimizer's weight specs in vae.json describe ${bytes.length}`,
      ),
    );
    vae.dispose();
  });

  it('damaged training-state fields are ModelFormatErrors naming the field', async () => {
    const vae = build();
    const dir = await checkpoint(vae);
    const manifest = join(dir, 'vae.json');
    const original = readFileSync(manifest, 'utf8');
    // Each case: a path into the training state, the value put there, what the error says.
    const cases: Array<[string[], unknown, RegExp]> = [
      [['epoch'], -1, /trainingState.epoch must be an integer >= 0, got -1/],
      [['step'], 1.5, /trainingState.step must be an integer >= 0/],
      [['history'], [], /trainingState.history must be a list of 2 epoch logs/],
      [
        ['optimizer', 'weightSpecs', '1'],
        { name: 'x', shape: [-3], dtype: 'float32' },
        /trainingState.optimizer.weightSpecs\[1\] must be a \{ name, shape, dtype/,
      ],
      [['model', 'weights'], 7, /trainingState.model.weights must be a string/],
    ];
    const damage = (state: Record<string, unknown>, path: string[], value: unknown) => {
      let target = state;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      target[path.at(-1) as string] = value;
    };
    for (const [path, value, message] of cases) {
      const json = JSON.parse(original) as { trainingState: Record<string, unknown> };
      damage(json.trainingState, path, value);
      writeFileSync(manifest, JSON.stringify(json));
      const error = await failure(loadCheckpoint(pathToFileURL(dir).href));
      expect(error, String(message)).toBeInstanceOf(ModelFormatError);
      expect(error.message).toMatch(message);
    }
    vae.dispose();
  });

  it('fuzz: a mutated checkpoint loads and resumes, or fails with a VAEError, never a raw error, and leaks nothing', async () => {
    const vae = build();
    const dir = await checkpoint(vae);
    const manifestText = readFileSync(join(dir, 'vae.json'), 'utf8');
    const bin = readFileSync(join(dir, 'extra', 'optimizer.bin'));
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values: unknown[] = [null, -1, 0, 1.5, 2 ** 40, 'x', [], {}, true, Number.NaN];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const tensors = tf.memory().numTensors;
    let loaded = 0;
    for (let trial = 0; trial < 60; trial++) {
      const json = JSON.parse(manifestText) as { trainingState: Record<string, unknown> };
      const state = json.trainingState;
      let bytes = Buffer.from(bin);
      const mutation = trial % 3;
      if (mutation === 0) {
        // Replace one field somewhere in the training state.
        const paths: string[][] = [
          ['epoch'],
          ['step'],
          ['seed'],
          ['history'],
          ['optimizer', 'className'],
          ['optimizer', 'weightSpecs'],
          ['model', 'fingerprint'],
          ['version'],
        ];
        const path = pick(paths);
        let target = state as Record<string, unknown>;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
        target[path.at(-1) as string] = pick(values);
      } else if (mutation === 1) {
        bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      } else {
        bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      }
      writeFileSync(join(dir, 'vae.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'extra', 'optimizer.bin'), bytes);
      try {
        const { vae: back, resume } = await loadCheckpoint(pathToFileURL(dir).href);
        try {
          await back.fit(x, { epochs: 3, batchSize: 8, resume, verbose: 0 });
          loaded += 1;
        } finally {
          back.dispose();
        }
      } catch (error) {
        expect(VAEError.isInstance(error), `trial ${trial}: ${String(error)}`).toBe(true);
      }
    }
    // A flipped bit in a moment's value still resumes (it is a number); the rest are refused.
    expect(loaded).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(tensors);
    vae.dispose();
  });
});
