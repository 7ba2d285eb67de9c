import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import type { Batch, Dataset } from './dataset.js';
import { datasetFromArrays } from './from-arrays.js';

/** 10 examples of shape [2]: example i is [i, 100 + i], label i % 3. */
function toy(): Dataset {
  const x = new Float32Array(20);
  for (let i = 0; i < 10; i += 1) {
    x[2 * i] = i;
    x[2 * i + 1] = 100 + i;
  }
  return datasetFromArrays({ x, shape: [2], labels: Array.from({ length: 10 }, (_, i) => i % 3) });
}

async function collect(batches: AsyncIterable<Batch>): Promise<{ sizes: number[]; xs: number[][]; labels: number[] }> {
  const sizes: number[] = [];
  const xs: number[][] = [];
  const labels: number[] = [];
  for await (const batch of batches) {
    sizes.push(batch.x.shape[0]!);
    xs.push(...(batch.x.arraySync() as number[][]));
    labels.push(...(batch.labels?.arraySync() ?? []));
    tf.dispose(batch);
  }
  return { sizes, xs, labels };
}

describe('Dataset.batches', () => {
  it('visits every example once, in order, with aligned labels', async () => {
    const got = await collect(toy().batches({ batchSize: 4 }));
    expect(got.sizes).toEqual([4, 4, 2]);
    expect(got.xs.map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(got.xs.map((r) => r[1])).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(got.labels).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  });

  it('shuffles with a seed: a permutation, repeatable, different for another seed, labels still aligned', async () => {
    const ds = toy();
    const a = await collect(ds.batches({ batchSize: 3, shuffle: true, seed: 7 }));
    const b = await collect(ds.batches({ batchSize: 3, shuffle: true, seed: 7 }));
    const c = await collect(ds.batches({ batchSize: 3, shuffle: true, seed: 8 }));
    const order = a.xs.map((r) => r[0]!);
    expect([...order].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.xs).toEqual(a.xs);
    expect(c.xs).not.toEqual(a.xs);
    expect(a.labels).toEqual(order.map((i) => i % 3));
    expect(a.xs.every((r) => r[1] === 100 + r[0]!)).toBe(true);
  });

  it('drops the last short batch on request', async () => {
    expect((await collect(toy().batches({ batchSize: 4, dropRemainder: true }))).sizes).toEqual([4, 4]);
  });

  it('gives float32 x of shape [batch, ...elementShape] and int32 labels', async () => {
    for await (const { x, labels } of toy().batches({ batchSize: 5 })) {
      expect(x.shape).toEqual([5, 2]);
      expect(x.dtype).toBe('float32');
      expect(labels?.dtype).toBe('int32');
      tf.dispose([x, labels]);
    }
  });

  it('allocates no tensor before a batch is asked for, and none after an early break', async () => {
    const before = tf.memory().numTensors;
    const ds = toy();
    const iterator = ds.batches({ batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    for await (const batch of iterator) {
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose(batch);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a batch size that is not a positive integer with a ConfigError', async () => {
    for (const batchSize of [0, -1, 2.5, Number.NaN]) {
      const error = await toy()
        .batches({ batchSize })
        .next()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/batchSize must be a positive integer/);
      expect((error as ConfigError).field).toBe('batchSize');
    }
  });
});

describe('Dataset.split, subset, take', () => {
  it('makes a fixed split in stored order when no seed is given', () => {
    const { train, validation, test } = toy().split({ validation: 0.2, test: 3 });
    expect([train.size, validation.size, test.size]).toEqual([5, 2, 3]);
    expect(Array.from(train.labels!)).toEqual([0, 1, 2, 0, 1]);
    expect(Array.from(test.labels!)).toEqual([1, 2, 0]);
  });

  it('makes a seeded split whose parts are disjoint and cover the dataset', async () => {
    const ds = toy();
    const parts = ds.split({ validation: 0.3, test: 0.2, seed: 3 });
    const seen: number[] = [];
    for (const part of [parts.train, parts.validation, parts.test]) {
      const { x, labels } = await part.toTensors();
      seen.push(...(x.arraySync() as number[][]).map((r) => r[0]!));
      tf.dispose([x, labels]);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.slice(0, 5)).not.toEqual([0, 1, 2, 3, 4]);
    const again = ds.split({ validation: 0.3, test: 0.2, seed: 3 });
    expect(Array.from(again.test.labels!)).toEqual(Array.from(parts.test.labels!));
  });

  it('rejects impossible split sizes with a ConfigError', () => {
    expect(() => toy().split({ validation: 0.6, test: 0.6 })).toThrow(ConfigError);
    expect(() => toy().split({ validation: 0.6, test: 0.6 })).toThrow(/together exceed the 10 examples/);
    expect(() => toy().split({ test: -0.1 })).toThrow(/test must be a fraction in \[0, 1\) or a whole number/);
    expect(() => toy().split({ test: 2.5 })).toThrow(ConfigError);
  });

  it('subset picks examples in the given order; take keeps the first ones', async () => {
    const sub = toy().subset([9, 0, 4]);
    const { x, labels } = await sub.toTensors();
    expect(x.arraySync()).toEqual([
      [9, 109],
      [0, 100],
      [4, 104],
    ]);
    expect(labels?.arraySync()).toEqual([0, 0, 1]);
    tf.dispose([x, labels]);
    expect(toy().take(3).size).toBe(3);
    expect(toy().take(30).size).toBe(10);
    expect(() => toy().subset([10])).toThrow(/index 10 \(at position 0\) is outside \[0, 10\)/);
    expect(() => toy().take(-1)).toThrow(ConfigError);
  });
});

describe('Dataset.toTensors and toTfData', () => {
  it('toTensors returns every example and leaks nothing once disposed', async () => {
    const ds = toy();
    const before = tf.memory().numTensors;
    const { x, labels } = await ds.toTensors();
    expect(x.shape).toEqual([10, 2]);
    expect(labels?.shape).toEqual([10]);
    tf.dispose([x, labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('toTfData wraps batches as a tf.data dataset with a new order per pass', async () => {
    const data = toy().toTfData<tfd.Dataset<Batch>>(tfd, { batchSize: 4, shuffle: true, seed: 1 });
    const passes: number[][] = [];
    for (let pass = 0; pass < 2; pass += 1) {
      const order: number[] = [];
      await data.forEachAsync((batch) => {
        order.push(...(batch.x.arraySync() as number[][]).map((r) => r[0]!));
        tf.dispose(batch);
      });
      passes.push(order);
    }
    expect([...passes[0]!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(passes[1]).not.toEqual(passes[0]);
  });
});
