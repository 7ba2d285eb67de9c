import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ConfigError, PersistenceError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { expectNoTensorLeak } from '../testing/index.js';
import type { Callback, TrainingContext } from '../training/callbacks.js';
import type { EpochLogs, History } from '../training/logs.js';
import { csvLogger } from './csv-logger.js';
import { jsonLinesLogger } from './json-lines-logger.js';

const root = mkdtempSync(join(tmpdir(), 'vae-logging-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const file = (ext: string) => join(root, `f${files++}`, `log.${ext}`);

const x = tf.randomUniform([32, 12], 0, 1, 'float32', 7);
afterAll(() => x.dispose());
const build = (): VAE => buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 3 });

const HEADER = 'epoch,beta,kl,kl_weight,learning_rate,loss,reconstruction,seconds,val_kl,val_loss,val_reconstruction';

/** An epoch's values by Keras name, from the history (what the rows must hold). */
function keras(e: EpochLogs): Record<string, number | undefined> {
  return {
    epoch: e.epoch,
    beta: e.beta,
    kl: e.kl,
    kl_weight: e.klWeight,
    learning_rate: e.learningRate,
    loss: e.loss,
    reconstruction: e.reconstruction,
    seconds: e.seconds,
    val_kl: e.valKl,
    val_loss: e.valLoss,
    val_reconstruction: e.valReconstruction,
  };
}

async function train(
  callbacks: Callback[],
  options: { epochs?: number; validation?: boolean; logInterval?: number } = {},
) {
  const vae = build();
  try {
    return await vae.fit(x, {
      epochs: options.epochs ?? 2,
      batchSize: 8,
      seed: 1,
      verbose: 0,
      logInterval: options.logInterval ?? 20,
      ...(options.validation ? { validationSplit: 0.25 } : {}),
      callbacks,
    });
  } finally {
    vae.dispose();
  }
}

/** Parses a CSV written by the logger: header names to the text of each field. */
function parseCsv(text: string, separator = ','): Array<Record<string, string>> {
  const [head, ...rows] = text.split('\n');
  expect(rows.at(-1)).toBe('');
  const names = (head ?? '').split(separator);
  return rows.slice(0, -1).map((row) => {
    const fields = row.split(separator);
    expect(fields).toHaveLength(names.length);
    return Object.fromEntries(names.map((n, i) => [n, fields[i] as string]));
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('csvLogger', () => {
  it('writes the Keras header and one row per epoch, every number at full precision', async () => {
    const path = file('csv');
    const history = await train([csvLogger(path)], { epochs: 3, validation: true });
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe(HEADER);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      const expected = keras(history.epochs[i] as EpochLogs);
      for (const [name, field] of Object.entries(row)) {
        // Number(field) gives back the exact double: nothing was rounded on the way.
        expect(Number(field), `${name} of epoch ${i}`).toBe(expected[name]);
      }
    });
  });

  it('writes NA where there is no value (no validation data), with a chosen separator', async () => {
    const path = file('csv');
    const history = await train([csvLogger(pathToFileURL(path).href, { separator: ';' })]);
    const rows = parseCsv(readFileSync(path, 'utf8'), ';');
    expect(rows.map((r) => [r.val_loss, r.val_kl, r.val_reconstruction])).toEqual([
      ['NA', 'NA', 'NA'],
      ['NA', 'NA', 'NA'],
    ]);
    expect(rows.map((r) => Number(r.loss))).toEqual(history.epochs.map((e) => e.loss));
  });

  it('starts the file anew by default, and appends under the same header with append: true', async () => {
    const path = file('csv');
    await train([csvLogger(path)], { epochs: 1 });
    await train([csvLogger(path)], { epochs: 2 });
    expect(parseCsv(readFileSync(path, 'utf8'))).toHaveLength(2);
    const again = await train([csvLogger(path, { append: true })], { epochs: 1 });
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n').filter((l) => l === HEADER)).toHaveLength(1);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(3);
    expect(Number(rows[2]?.loss)).toBe(again.epochs[0]?.loss);
  });

  it('appends after a row cut short by a crash on a new line', async () => {
    const path = file('csv');
    await train([csvLogger(path)], { epochs: 1 });
    writeFileSync(path, `${readFileSync(path, 'utf8')}1,1,0.5`);
    await train([csvLogger(path, { append: true })], { epochs: 1 });
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe('1,1,0.5');
    expect(lines[3]?.split(',')).toHaveLength(11);
    expect(lines[3]?.startsWith('0,1,')).toBe(true);
  });

  it('refuses to append to a file with another header, before training, and leaves it unchanged', async () => {
    const path = file('csv');
    await train([csvLogger(path, { batches: true })], { epochs: 1 });
    const before = readFileSync(path, 'utf8');
    let steps = 0;
    const counter: Callback = { onBatchEnd: () => void steps++ };
    const error = await failure(train([csvLogger(path, { append: true }), counter]));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`csvLogger: cannot append to ${path}: its header is 'epoch,batch,step,beta,`);
    expect(error.message).toContain('pass append: false to start it anew, or choose another file');
    expect(steps).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('with batches, writes a row at each read-back and the step reached in epoch rows', async () => {
    const path = file('csv');
    const history = await train([csvLogger(path, { batches: true })], { epochs: 2, logInterval: 2 });
    const rows = parseCsv(readFileSync(path, 'utf8'));
    // Four batches of 8 per epoch, read back every 2: two batch rows, then the epoch row.
    expect(rows.map((r) => `${r.epoch}/${r.batch}/${r.step}`)).toEqual([
      '0/1/2',
      '0/3/4',
      '0/NA/4',
      '1/1/6',
      '1/3/8',
      '1/NA/8',
    ]);
    const batchRow = rows[0] as Record<string, string>;
    expect(
      Object.entries(batchRow)
        .filter(([, v]) => v === 'NA')
        .map(([k]) => k),
    ).toEqual(['beta', 'seconds', 'val_kl', 'val_loss', 'val_reconstruction']);
    // The epoch's loss is the mean of its two intervals (equal sizes).
    const mean = (Number(rows[0]?.loss) + Number(rows[1]?.loss)) / 2;
    expect(mean).toBeCloseTo(history.epochs[0]?.loss ?? Number.NaN, 5);
  });

  it('keeps the finished epochs of a run that fails later', async () => {
    const path = file('csv');
    const crash: Callback = {
      onEpochEnd: (logs) => {
        if (logs.epoch === 1) throw new RangeError('power cut');
      },
    };
    const error = await failure(train([csvLogger(path), crash], { epochs: 4 }));
    expect(error.message).toBe('power cut');
    expect(parseCsv(readFileSync(path, 'utf8')).map((r) => r.epoch)).toEqual(['0', '1']);
  });

  it('writes to a function: the header once, then rows; with append, rows only', async () => {
    const texts: string[] = [];
    await train([csvLogger((t) => void texts.push(t))], { epochs: 2 });
    expect(texts[0]).toBe(`${HEADER}\n`);
    expect(texts).toHaveLength(3);
    const appended: string[] = [];
    await train([csvLogger(async (t) => void appended.push(t), { append: true })], { epochs: 1 });
    expect(appended).toHaveLength(1);
    expect(appended[0]?.startsWith('0,1,')).toBe(true);
  });

  it('fails before the first step with a PersistenceError naming a path it cannot write', async () => {
    const blocker = join(root, `blocker${files++}`);
    writeFileSync(blocker, 'a file, not a folder');
    let steps = 0;
    const counter: Callback = { onBatchEnd: () => void steps++ };
    const target = join(blocker, 'log.csv');
    const error = await failure(train([csvLogger(target), counter]));
    expect(PersistenceError.isInstance(error)).toBe(true);
    expect((error as PersistenceError).location).toBe(target);
    expect((error as PersistenceError).reason).toBe('not-a-folder');
    expect(error.message).toMatch(new RegExp(`^csvLogger: cannot write ${target}: `));
    expect(steps).toBe(0);

    const folder = join(root, `folder${files++}`);
    rmSync(folder, { recursive: true, force: true });
    await train([csvLogger(join(folder, 'inner', 'x.csv'))], { epochs: 1 });
    const isFolder = await failure(train([csvLogger(join(folder, 'inner'))]));
    expect((isFolder as PersistenceError).reason).toBe('not-a-file');
    expect(isFolder.message).toContain('it is a folder, not a file');
  });

  it.each([
    [{ separator: '' }, 'separator must be one character'],
    [{ separator: ',,' }, 'separator must be one character'],
    [{ separator: '.' }, 'got ".". Pass e.g. { separator: \';\' }'],
  ])('refuses %j at once', (options, message) => {
    expect(() => csvLogger('log.csv', options)).toThrow(ConfigError);
    expect(() => csvLogger('log.csv', options)).toThrow(message);
  });

  it('refuses a destination that is neither a path nor a function', () => {
    expect(() => csvLogger('' as string)).toThrow(/csvLogger: the destination must be a file path.*got ''/);
    expect(() => csvLogger(42 as never)).toThrow(ConfigError);
  });
});

describe('jsonLinesLogger', () => {
  it('writes one JSON object per epoch with the CSV names in order, only the present ones', async () => {
    const path = file('jsonl');
    const history = await train([jsonLinesLogger(path)], { epochs: 3, validation: true });
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const objects = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, number>);
    expect(objects).toEqual(history.epochs.map(keras));
    expect(Object.keys(objects[0] ?? {})).toEqual(HEADER.split(','));

    const plain = file('jsonl');
    await train([jsonLinesLogger(plain)], { epochs: 1 });
    expect(Object.keys(JSON.parse(readFileSync(plain, 'utf8')))).not.toContain('val_loss');
  });

  it('with batches, writes batch lines at each read-back and the step in epoch lines; appends', async () => {
    const path = file('jsonl');
    await train([jsonLinesLogger(path, { batches: true })], { epochs: 1, logInterval: 4 });
    await train([jsonLinesLogger(path, { batches: true, append: true })], { epochs: 1, logInterval: 4 });
    const objects = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(objects.map((o) => [o.epoch, o.batch, o.step])).toEqual([
      [0, 3, 4],
      [0, undefined, 4],
      [0, 3, 4],
      [0, undefined, 4],
    ]);
    expect(Object.keys(objects[0] ?? {})).toEqual([
      'epoch',
      'batch',
      'step',
      'kl',
      'kl_weight',
      'learning_rate',
      'loss',
      'reconstruction',
    ]);
  });

  it('writes a value that is not finite as null', async () => {
    const lines: string[] = [];
    const logger = jsonLinesLogger((line) => void lines.push(line));
    const history: History = { epochs: [], stopReason: 'completed', steps: 4 };
    const context = { history } as unknown as TrainingContext;
    await logger.onTrainBegin?.(context);
    const logs: EpochLogs = {
      epoch: 0,
      loss: 1.5,
      reconstruction: 1,
      kl: 0.5,
      klWeight: 1,
      beta: 1,
      learningRate: 1e-3,
      valLoss: Number.POSITIVE_INFINITY,
      valReconstruction: Number.NaN,
      valKl: 0.25,
      batches: 4,
      examples: 32,
      seconds: 0.125,
    };
    await logger.onEpochEnd?.(logs, context);
    expect(lines).toEqual([
      '{"epoch":0,"beta":1,"kl":0.5,"kl_weight":1,"learning_rate":0.001,"loss":1.5,"reconstruction":1,"seconds":0.125,"val_kl":0.25,"val_loss":null,"val_reconstruction":null}\n',
    ]);
  });
});

describe('memory', () => {
  it('leaves no tensors behind across fit calls with the loggers', async () => {
    const vae = build();
    const csv = file('csv');
    const jsonl = file('jsonl');
    await expectNoTensorLeak(async () => {
      await vae.fit(x, {
        epochs: 1,
        batchSize: 8,
        validationSplit: 0.25,
        logInterval: 1,
        verbose: 0,
        callbacks: [csvLogger(csv, { batches: true }), jsonLinesLogger(jsonl, { batches: true })],
      });
    });
    vae.dispose();
  });
});
