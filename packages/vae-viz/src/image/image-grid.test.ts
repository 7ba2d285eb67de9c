import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { expectNoTensorLeak, grayRows } from '../../test/helpers.js';
import { imageGrid } from './image-grid.js';
import { reconstructionGrid } from './reconstruction-grid.js';

describe('imageGrid', () => {
  it('lays gray images out left to right with padding around and between (hand-computed pixels)', () => {
    const x = tf.tensor4d([0, 1, 0.5, 0.2], [4, 1, 1, 1]);
    const grid = imageGrid(x, { columns: 2, padding: 1, background: 0.4 });
    expect([grid.width, grid.height]).toEqual([5, 5]);
    // 0.4 * 255 = 102; 0.5 * 255 = 127.5 -> 128; 0.2 * 255 = 51
    expect(grayRows(grid)).toEqual([
      [102, 102, 102, 102, 102],
      [102, 0, 102, 255, 102],
      [102, 102, 102, 102, 102],
      [102, 128, 102, 51, 102],
      [102, 102, 102, 102, 102],
    ]);
    expect(Array.from(grid.data.subarray(4 * 6, 4 * 6 + 4))).toEqual([0, 0, 0, 255]);
    x.dispose();
  });

  it('keeps RGB channels, clamps values outside [0, 1] and sends NaN to 0', () => {
    const x = tf.tensor4d([1, 0, 0, 0, 1, 0.5, 2, -1, Number.NaN], [1, 1, 3, 3]);
    const grid = imageGrid(x, { padding: 0 });
    expect(Array.from(grid.data)).toEqual([255, 0, 0, 255, 0, 255, 128, 255, 255, 0, 0, 255]);
    x.dispose();
  });

  it('folds flat vectors with imageShape, defaults to a square layout, and scales by whole pixels', () => {
    const x = tf.tensor2d([
      [0, 1, 1, 0],
      [1, 1, 1, 1],
      [0, 0, 0, 0],
    ]);
    const grid = imageGrid(x, { imageShape: [2, 2], padding: 0 });
    expect([grid.width, grid.height]).toEqual([4, 4]); // ceil(sqrt(3)) = 2 columns, 2 rows
    expect(grayRows(grid)).toEqual([
      [0, 255, 255, 255],
      [255, 0, 255, 255],
      [0, 0, 128, 128],
      [0, 0, 128, 128],
    ]);
    const big = imageGrid(tf.tensor3d([0, 1], [1, 1, 2]), { padding: 0, scale: 2 });
    expect(grayRows(big)).toEqual([
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
    x.dispose();
  });

  it('accepts plain ImageBatch data', () => {
    const grid = imageGrid({ count: 1, height: 1, width: 2, channels: 1, data: [0.2, 0.6] }, { padding: 0 });
    expect(grayRows(grid)).toEqual([[51, 153]]);
  });

  it('makes no tensors', () => {
    const x = tf.zeros([2, 3, 3, 1]);
    expectNoTensorLeak(() => imageGrid(x));
    x.dispose();
  });

  it('rejects flat tensors without imageShape, bad channel counts and bad options with typed errors', () => {
    const flat = tf.zeros([2, 784]);
    expect(() => imageGrid(flat)).toThrow(ShapeError);
    expect(() => imageGrid(flat)).toThrow(/pass \{ imageShape: \[28, 28\] \}/);
    expect(() => imageGrid(flat, { imageShape: [28, 27] })).toThrow(/do not fold into imageShape \[28, 27, 1\]/);
    const twoChannels = tf.zeros([1, 2, 2, 2]);
    expect(() => imageGrid(twoChannels)).toThrow(/1 \(gray\) or 3 \(RGB\) channels, got 2/);
    expect(() => imageGrid(tf.zeros([1, 1, 1]), { columns: 0 })).toThrow(ConfigError);
    expect(() => imageGrid(tf.zeros([1, 1, 1]), { scale: 1.5 })).toThrow(
      /scale must be an integer from 1 to 64, got 1.5/,
    );
    expect(() => imageGrid(tf.zeros([1, 1, 1]), { background: 2 })).toThrow(/background must be a gray level/);
    expect(() => imageGrid({ count: 2, height: 1, width: 1, channels: 1, data: [0] })).toThrow(/needs 2 values, got 1/);
    tf.dispose([flat, twoChannels]);
  });
});

describe('reconstructionGrid', () => {
  it('puts each row of originals above the row of its reconstructions', () => {
    const x = tf.tensor4d([0, 0.2, 0.4], [3, 1, 1, 1]);
    const xHat = tf.tensor4d([1, 0.8, 0.6], [3, 1, 1, 1]);
    const grid = reconstructionGrid(x, xHat, { columns: 2, padding: 0, background: 0.5 });
    expect(grayRows(grid)).toEqual([
      [0, 51],
      [255, 204],
      [102, 128],
      [153, 128],
    ]);
    const oneRow = reconstructionGrid(x, xHat, { padding: 0 });
    expect(grayRows(oneRow)).toEqual([
      [0, 51, 102],
      [255, 204, 153],
    ]);
    tf.dispose([x, xHat]);
  });

  it('rejects mismatched batches', () => {
    const x = tf.zeros([3, 2, 2, 1]);
    const xHat = tf.zeros([2, 2, 2, 1]);
    expect(() => reconstructionGrid(x, xHat)).toThrow(ShapeError);
    expect(() => reconstructionGrid(x, xHat)).toThrow(
      /x and xHat must hold the same images, got 3 x 2 x 2 x 1 and 2 x 2 x 2 x 1/,
    );
    tf.dispose([x, xHat]);
  });
});
