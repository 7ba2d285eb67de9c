import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DatasetError } from '@vae/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder, type SkippedImage } from './image-folder.js';

let root: string;

type Colour = { r: number; g: number; b: number; alpha?: number };
async function image(
  path: string,
  format: 'png' | 'jpeg' | 'webp',
  colour: Colour,
  width = 12,
  height = 10,
): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const channels = colour.alpha === undefined ? 3 : 4;
  let img = sharp({ create: { width, height, channels, background: colour } });
  img = format === 'png' ? img.png() : format === 'jpeg' ? img.jpeg({ quality: 100 }) : img.webp({ lossless: true });
  writeFileSync(path, await img.toBuffer());
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vae-images-'));
  const red = { r: 255, g: 0, b: 0 };
  const blue = { r: 0, g: 0, b: 255 };
  // Classes: cats (PNG, nested deeper, WebP with alpha), dogs (JPEG). A non-image file is ignored.
  await image(join(root, 'good/cats/1.png'), 'png', red);
  await image(join(root, 'good/cats/deep/2.webp'), 'webp', { ...blue, alpha: 0.5 }, 20, 20);
  await image(join(root, 'good/dogs/1.jpg'), 'jpeg', blue, 30, 16);
  await image(join(root, 'good/dogs/2.JPEG'), 'jpeg', red);
  writeFileSync(join(root, 'good/dogs/notes.txt'), 'not an image');
  // A folder with a broken file.
  await image(join(root, 'broken/a/1.png'), 'png', red);
  await image(join(root, 'broken/a/2.png'), 'png', red);
  await image(join(root, 'broken/b/4.png'), 'png', blue);
  writeFileSync(join(root, 'broken/b/3.png'), 'this is not a PNG');
  // Many files, the last one corrupt: only read if asked.
  for (let i = 0; i < 20; i += 1) await image(join(root, `many/${String(i).padStart(2, '0')}.png`), 'png', red, 4, 4);
  writeFileSync(join(root, 'many/99.png'), 'corrupt');
  mkdirSync(join(root, 'empty/sub'), { recursive: true });
  await image(join(root, 'mixed/loose.png'), 'png', red);
  await image(join(root, 'mixed/class/1.png'), 'png', red);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('loadImageFolder', () => {
  it('finds PNG, JPEG and WebP recursively, labels them by top-level folder, and resizes to [h, w, 3]', async () => {
    const ds = await loadImageFolder(join(root, 'good'), { size: [8, 6], fit: 'fill' });
    expect(ds.size).toBe(4);
    expect(ds.classNames).toEqual(['cats', 'dogs']);
    expect(Array.from(ds.labels!)).toEqual([0, 0, 1, 1]);
    expect(ds.elementShape).toEqual([8, 6, 3]);
    const before = tf.memory().numTensors;
    const { x, labels } = await ds.toTensors();
    expect(x.shape).toEqual([4, 8, 6, 3]);
    const pixels = (await x.array()) as number[][][][];
    // Solid colours survive resizing: red PNG, half-transparent blue WebP over black, blue and red JPEGs.
    expect(pixels[0]![3]![3]).toEqual([1, 0, 0]);
    expect(pixels[1]![3]![3]![2]).toBeCloseTo(128 / 255, 1);
    expect(pixels[1]![3]![3]![0]).toBe(0);
    expect(pixels[2]![3]![3]![2]).toBeGreaterThan(0.95);
    expect(pixels[3]![3]![3]![0]).toBeGreaterThan(0.95);
    expect(Array.from(await labels!.data())).toEqual([0, 0, 1, 1]);
    tf.dispose([x, labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives grayscale [h, w, 1] or flat examples on request', async () => {
    const gray = await loadImageFolder(join(root, 'good'), { size: [4, 4], channels: 1 });
    expect(gray.elementShape).toEqual([4, 4, 1]);
    const { x, labels } = await gray.take(1).toTensors();
    const values = Array.from(await x.data());
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBeGreaterThan(0.1);
    expect(values[0]).toBeLessThan(0.5);
    tf.dispose([x, labels]);
    const flat = await loadImageFolder(join(root, 'good'), { size: [4, 5], flatten: true });
    expect(flat.elementShape).toEqual([60]);
  });

  it('streams: files are decoded only for the batches asked for', async () => {
    const ds = await loadImageFolder(join(root, 'many'), { size: [4, 4] });
    expect(ds.size).toBe(21);
    expect(ds.labels).toBeUndefined();
    for await (const batch of ds.batches({ batchSize: 4 })) {
      expect(batch.x.shape).toEqual([4, 4, 4, 3]);
      tf.dispose(batch);
      break; // the corrupt 21st file is never decoded
    }
    const error = await rejection(ds.toTensors());
    expect(error.message).toMatch(
      /^loadImageFolder: .*many\/99\.png could not be decoded \(.*\)\. Remove or replace the file, or pass \{ onError: 'skip' \}/,
    );
    expect(error.source).toMatch(/99\.png$/);
  });

  it("skips unreadable files under onError: 'skip' and reports each once", async () => {
    const reported: SkippedImage[] = [];
    const ds = await loadImageFolder(join(root, 'broken'), {
      size: [4, 4],
      onError: 'skip',
      onSkip: (s) => reported.push(s),
    });
    const seen: number[][] = [];
    for (let epoch = 0; epoch < 2; epoch += 1) {
      const labels: number[] = [];
      for await (const batch of ds.batches({ batchSize: 3 })) {
        labels.push(...(await batch.labels!.data()));
        tf.dispose(batch);
      }
      seen.push(labels);
    }
    expect(seen).toEqual([
      [0, 0, 1],
      [0, 0, 1],
    ]);
    expect(reported.length).toBe(1);
    expect(ds.skipped).toEqual([{ path: join(root, 'broken/b/3.png'), reason: expect.any(String) }]);
  });

  it('checks headers up front when asked: throws or skips', async () => {
    const error = await rejection(loadImageFolder(join(root, 'broken'), { size: [4, 4], checkHeaders: true }));
    expect(error.message).toMatch(/broken\/b\/3\.png is not a readable image/);
    const ds = await loadImageFolder(join(root, 'broken'), { size: [4, 4], checkHeaders: true, onError: 'skip' });
    expect(ds.size).toBe(3);
    expect(ds.skipped.map((s) => s.path)).toEqual([join(root, 'broken/b/3.png')]);
  });

  it('shuffles with a seed and splits like any dataset', async () => {
    const ds = await loadImageFolder(join(root, 'many'), { size: [2, 2], onError: 'skip' });
    const { train, test } = ds.split({ test: 5, seed: 1 });
    expect([train.size, test.size]).toEqual([16, 5]);
    let count = 0;
    for await (const batch of train.batches({ batchSize: 8, shuffle: true, seed: 3 })) {
      count += batch.x.shape[0]!;
      tf.dispose(batch);
    }
    // Only the training part was read: the corrupt file was skipped if and only if it is in it.
    expect(count).toBe(16 - ds.skipped.length);
  });

  it('reports empty and missing folders, loose images beside class folders, and bad options', async () => {
    expect((await rejection(loadImageFolder(join(root, 'empty'), { size: [4, 4] }))).message).toMatch(
      /empty holds no image files \(\.png, \.jpg, \.jpeg, \.webp\) in any sub-folder/,
    );
    expect((await rejection(loadImageFolder(join(root, 'nope'), { size: [4, 4] }))).message).toMatch(
      /nope does not exist/,
    );
    expect((await rejection(loadImageFolder(join(root, 'mixed'), { size: [4, 4] }))).message).toMatch(
      /1 image\(s\) lie directly in .*mixed .*beside the class folders/,
    );
    expect((await loadImageFolder(join(root, 'mixed'), { size: [4, 4], labels: 'none' })).size).toBe(2);
    await expect(loadImageFolder(root, { size: [0, 4] as [number, number] })).rejects.toThrow(ConfigError);
    await expect(loadImageFolder(root, { size: [4, 4], channels: 2 as 1 })).rejects.toThrow(
      /channels must be 1 or 3, got 2/,
    );
  });
});
