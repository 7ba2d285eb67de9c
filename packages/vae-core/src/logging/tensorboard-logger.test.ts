import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ConfigError, PersistenceError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { expectNoTensorLeak } from '../testing/index.js';
import type { EpochLogs } from '../training/logs.js';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { tensorBoardLogger } from './tensorboard-logger.js';

// Everything below decodes event files independently of the writer: a bitwise CRC-32C, a
// TFRecord reader and a generic protocol buffer decoder, written from the specifications
// (TFRecord framing as in tensorflow/python/lib/io/tf_record and tensorboard's record reader;
// Event fields from tensorflow/core/util/event.proto, Summary from framework/summary.proto).

/** CRC-32C bit by bit (reflected polynomial 0x82F63B78), without a table. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(bytes: Uint8Array): number {
  const crc = crc32cBitwise(bytes);
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** The records of a TFRecord file, each CRC checked. */
function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    expect(bytes.length - at).toBeGreaterThanOrEqual(16);
    const length = Number(view.getBigUint64(at, true));
    expect(view.getUint32(at + 8, true), `length CRC at ${at}`).toBe(masked(bytes.subarray(at, at + 8)));
    const data = bytes.subarray(at + 12, at + 12 + length);
    expect(data.length).toBe(length);
    expect(view.getUint32(at + 12 + length, true), `data CRC at ${at}`).toBe(masked(data));
    records.push(data);
    at += 16 + length;
  }
  return records;
}

type Field = { field: number; wire: number; value: number | bigint | Uint8Array };

/** A protocol buffer message as its fields, in order. */
function decodeMessage(bytes: Uint8Array): Field[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new RangeError('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) {
      fields.push({ field, wire, value: view.getFloat64(at, true) });
      at += 8;
    } else if (wire === 5) {
      fields.push({ field, wire, value: view.getFloat32(at, true) });
      at += 4;
    } else if (wire === 2) {
      const length = Number(varint());
      fields.push({ field, wire, value: bytes.subarray(at, at + length) });
      at += length;
    } else throw new RangeError(`unexpected wire type ${wire}`);
  }
  expect(at).toBe(bytes.length);
  return fields;
}

interface DecodedEvent {
  wallTime: number;
  step: number | undefined;
  fileVersion: string | undefined;
  scalars: Record<string, number> | undefined;
}

/** An `Event`: wall_time (1, double), step (2, int64), file_version (3, string), summary (5). */
function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: Number.NaN, step: undefined, fileVersion: undefined, scalars: undefined };
  for (const { field, wire, value } of decodeMessage(bytes)) {
    if (field === 1 && wire === 1) event.wallTime = value as number;
    else if (field === 2 && wire === 0) event.step = Number(value);
    else if (field === 3 && wire === 2) event.fileVersion = new TextDecoder().decode(value as Uint8Array);
    else if (field === 5 && wire === 2) {
      // Summary: repeated Value value = 1; Value: tag = 1 (string), simple_value = 2 (float).
      event.scalars = {};
      for (const v of decodeMessage(value as Uint8Array)) {
        expect([v.field, v.wire]).toEqual([1, 2]);
        let tag = '';
        let simple = Number.NaN;
        for (const f of decodeMessage(v.value as Uint8Array)) {
          if (f.field === 1 && f.wire === 2) tag = new TextDecoder().decode(f.value as Uint8Array);
          else if (f.field === 2 && f.wire === 5) simple = f.value as number;
          else throw new RangeError(`unexpected Value field ${f.field}`);
        }
        event.scalars[tag] = simple;
      }
    } else throw new RangeError(`unexpected Event field ${field} (wire ${wire})`);
  }
  return event;
}

const root = mkdtempSync(join(tmpdir(), 'vae-tensorboard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const logDir = () => join(root, `run${dirs++}`);

const x = tf.randomUniform([32, 12], 0, 1, 'float32', 9);
afterAll(() => x.dispose());
const build = (): VAE => buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 4 });

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('CRC-32C', () => {
  it('gives the check value of the Castagnoli CRC, table and bitwise alike', () => {
    const digits = new TextEncoder().encode('123456789');
    expect(crc32cBitwise(digits)).toBe(0xe3069283);
    expect(crc32c(digits)).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise reference on random data, masked too', () => {
    let seed = 12345;
    for (let n = 0; n < 50; n++) {
      const bytes = new Uint8Array(n * 7 + 1);
      for (let i = 0; i < bytes.length; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        bytes[i] = seed & 0xff;
      }
      expect(crc32c(bytes)).toBe(crc32cBitwise(bytes));
      expect(maskedCrc32c(bytes)).toBe(masked(bytes));
    }
  });
});

describe('tensorBoardLogger', () => {
  it('writes an event file that decodes to the file version, then train/ and epoch/ scalars', async () => {
    const dir = logDir();
    const logger = tensorBoardLogger({ logDir: dir });
    const vae = build();
    const before = Date.now() / 1000;
    const history = await vae.fit(x, {
      epochs: 2,
      batchSize: 8,
      seed: 1,
      validationSplit: 0.25,
      logInterval: 1,
      verbose: 0,
      callbacks: [logger],
    });
    const after = Date.now() / 1000;
    vae.dispose();

    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    const name = names[0] as string;
    expect(logger.file).toBe(join(dir, name));
    const [, seconds, host] = /^events\.out\.tfevents\.(\d+)\.(.+)$/.exec(name) ?? [];
    expect(Number(seconds)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(Number(seconds)).toBeLessThanOrEqual(after);
    expect(host).toBe(hostname().replace(/[^A-Za-z0-9._-]/g, '_'));

    const events = readRecords(new Uint8Array(readFileSync(join(dir, name)))).map(decodeEvent);
    const [first, ...rest] = events;
    expect(first?.fileVersion).toBe('brain.Event:2');
    expect(first?.step).toBeUndefined();
    expect(first?.scalars).toBeUndefined();
    for (const e of events) {
      expect(e.wallTime).toBeGreaterThanOrEqual(before - 1e-3);
      expect(e.wallTime).toBeLessThanOrEqual(after + 1e-3);
    }
    // Three training batches per epoch, read back after each: steps 1..6, then one epoch event.
    expect(rest.map((e) => `${Object.keys(e.scalars ?? {})[0]?.split('/')[0]}@${e.step}`)).toEqual([
      'train@1',
      'train@2',
      'train@3',
      'epoch@0',
      'train@4',
      'train@5',
      'train@6',
      'epoch@1',
    ]);
    expect(Object.keys(rest[0]?.scalars ?? {}).sort()).toEqual(
      ['train/kl', 'train/kl_weight', 'train/learning_rate', 'train/loss', 'train/reconstruction'].sort(),
    );
    const epochEvents = rest.filter((e) => e.step !== undefined && 'epoch/loss' in (e.scalars ?? {}));
    epochEvents.forEach((e, i) => {
      const logs = history.epochs[i] as EpochLogs;
      // simple_value is a 32-bit float: the logged value rounded to the nearest float32.
      expect(e.scalars).toEqual({
        'epoch/beta': Math.fround(logs.beta),
        'epoch/kl': Math.fround(logs.kl),
        'epoch/kl_weight': Math.fround(logs.klWeight),
        'epoch/learning_rate': Math.fround(logs.learningRate),
        'epoch/loss': Math.fround(logs.loss),
        'epoch/reconstruction': Math.fround(logs.reconstruction),
        'epoch/seconds': Math.fround(logs.seconds),
        'epoch/val_kl': Math.fround(logs.valKl as number),
        'epoch/val_loss': Math.fround(logs.valLoss as number),
        'epoch/val_reconstruction': Math.fround(logs.valReconstruction as number),
      });
    });
    // The epoch loss is the mean of its three equal batches' losses (up to float32 rounding).
    const trainLosses = rest.slice(4, 7).map((e) => e.scalars?.['train/loss'] as number);
    expect((trainLosses[0] + trainLosses[1] + trainLosses[2]) / 3).toBeCloseTo(history.epochs[1]?.loss as number, 4);
  });

  it('writes only epoch scalars with batches: false, and a new file for each run', async () => {
    const dir = logDir();
    const vae = build();
    const a = tensorBoardLogger({ logDir: dir, batches: false });
    await vae.fit(x, { epochs: 2, batchSize: 8, logInterval: 1, verbose: 0, callbacks: [a] });
    const b = tensorBoardLogger({ logDir: `file://${dir}` });
    await vae.fit(x, { epochs: 1, batchSize: 8, logInterval: 4, verbose: 0, callbacks: [b] });
    vae.dispose();
    expect(readdirSync(dir)).toHaveLength(2);
    expect(a.file).not.toBe(b.file);
    const eventsA = readRecords(new Uint8Array(readFileSync(a.file as string))).map(decodeEvent);
    expect(eventsA.map((e) => e.step)).toEqual([undefined, 0, 1]);
    expect(Object.keys(eventsA[1]?.scalars ?? {})).not.toContain('epoch/val_loss');
    const eventsB = readRecords(new Uint8Array(readFileSync(b.file as string))).map(decodeEvent);
    expect(eventsB.map((e) => e.step)).toEqual([undefined, 4, 0]);
  });

  it('adds a numbered suffix when the event file name is taken', async () => {
    const dir = logDir();
    mkdirSync(dir, { recursive: true });
    const now = Math.floor(Date.now() / 1000);
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
    // Taken for this second and the next few, whenever the run starts.
    for (let s = now; s < now + 5; s++) writeFileSync(join(dir, `events.out.tfevents.${s}.${host}`), 'taken');
    const logger = tensorBoardLogger({ logDir: dir });
    const vae = build();
    await vae.fit(x, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [logger] });
    vae.dispose();
    expect(logger.file).toMatch(/\.1$/);
    expect(readRecords(new Uint8Array(readFileSync(logger.file as string))).map(decodeEvent)[0]?.fileVersion).toBe(
      'brain.Event:2',
    );
  });

  it('fails before the first step with a PersistenceError naming the folder it cannot create', async () => {
    const blocker = join(root, `blocker${dirs++}`);
    writeFileSync(blocker, 'a file, not a folder');
    let steps = 0;
    const vae = build();
    const error = await failure(
      vae.fit(x, {
        epochs: 1,
        batchSize: 16,
        verbose: 0,
        callbacks: [tensorBoardLogger({ logDir: blocker }), { onBatchEnd: () => void steps++ }],
      }),
    );
    vae.dispose();
    expect(PersistenceError.isInstance(error)).toBe(true);
    expect((error as PersistenceError).location).toBe(blocker);
    expect(error.message).toMatch(new RegExp(`^tensorBoardLogger: cannot write ${blocker}: .*creating the folder`));
    expect(steps).toBe(0);
  });

  it('refuses a missing logDir at once', () => {
    expect(() => tensorBoardLogger({} as never)).toThrow(ConfigError);
    expect(() => tensorBoardLogger({ logDir: '' })).toThrow(
      "tensorBoardLogger: logDir must be a folder path or file:// URL, got ''. Pass e.g. { logDir: 'runs/tensorboard' }.",
    );
  });

  it('leaves no tensors behind across fit calls', async () => {
    const vae = build();
    const dir = logDir();
    await expectNoTensorLeak(async () => {
      await vae.fit(x, {
        epochs: 1,
        batchSize: 8,
        validationSplit: 0.25,
        logInterval: 1,
        verbose: 0,
        callbacks: [tensorBoardLogger({ logDir: dir })],
      });
    });
    vae.dispose();
  });
});
