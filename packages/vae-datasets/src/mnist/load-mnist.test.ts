import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../idx/checksum.js';
import { EMBEDDED_MNIST_SHA256 } from './embedded-mnist.gen.js';
import { loadEmbeddedMnistArrays, loadMnist, MNIST_CLASS_NAMES } from './load-mnist.js';

const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

describe('loadMnist (embedded)', () => {
  it('holds exactly the digits of the mnist package, pixel for pixel, with their classes', async () => {
    const { labels, pixels } = await loadEmbeddedMnistArrays();
    expect(labels.length).toBe(10_000);
    // Independent truth: the package's JSON, value * 255 rounded, keyed by content.
    const expected = new Map<string, number>();
    for (let label = 0; label < 10; label += 1) {
      const { data } = JSON.parse(readFileSync(join(digitsDir, `${label}.json`), 'utf8')) as { data: number[] };
      for (let start = 0; start < data.length; start += 784) {
        const key = `${label}:${data
          .slice(start, start + 784)
          .map((v) => Math.round(v * 255))
          .join(',')}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    for (let i = 0; i < labels.length; i += 1) {
      const key = `${labels[i]}:${Array.from(pixels.subarray(i * 784, (i + 1) * 784)).join(',')}`;
      const left = expected.get(key);
      expect(left, `embedded digit ${i} (label ${labels[i]}) is not in the mnist package`).toBeGreaterThan(0);
      expected.set(key, left! - 1);
    }
    const payload = new Uint8Array(labels.length + pixels.length);
    payload.set(labels);
    payload.set(pixels, labels.length);
    expect(await sha256Hex(payload)).toBe(EMBEDDED_MNIST_SHA256);
  });

  it('makes a fixed, class-balanced 8,000 / 2,000 split of [28, 28, 1] images in [0, 1]', async () => {
    const { train, test } = await loadMnist();
    expect([train.size, test.size]).toEqual([8000, 2000]);
    expect(train.elementShape).toEqual([28, 28, 1]);
    expect(train.classNames).toEqual(MNIST_CLASS_NAMES);
    const counts = new Array<number>(10).fill(0);
    for (const label of test.labels!) counts[label]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(150);
    const again = await loadMnist();
    expect(Array.from(again.test.labels!)).toEqual(Array.from(test.labels!));
    const before = tf.memory().numTensors;
    const { x, labels } = await test.take(64).toTensors();
    const [min, max] = [tf.min(x), tf.max(x)];
    expect([(await min.data())[0], (await max.data())[0]]).toEqual([0, 1]);
    expect(Array.from(await labels!.data())).toEqual(Array.from(test.labels!.subarray(0, 64)));
    tf.dispose([x, labels, min, max]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('makes a seeded split, flat examples and binarised ones on request', async () => {
    const fixed = await loadMnist();
    const seeded = await loadMnist({ splitSeed: 1, testFraction: 0.1, flatten: true, binarize: 'static' });
    expect([seeded.train.size, seeded.test.size]).toEqual([9000, 1000]);
    expect(Array.from(seeded.test.labels!.subarray(0, 50))).not.toEqual(Array.from(fixed.test.labels!.subarray(0, 50)));
    expect(seeded.train.elementShape).toEqual([784]);
    const { x, labels } = await seeded.test.take(10).toTensors();
    const values = await x.data();
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    tf.dispose([x, labels]);
  });

  it('rejects invalid options with ConfigErrors', async () => {
    await expect(loadMnist({ testFraction: 1 })).rejects.toThrow(ConfigError);
    await expect(loadMnist({ testFraction: 1 })).rejects.toThrow(/testFraction must be in \[0, 1\), got 1/);
    await expect(loadMnist({ splitSeed: 0.5 })).rejects.toThrow(/splitSeed must be an integer/);
    await expect(loadMnist({ binarize: 'yes' as unknown as 'none' })).rejects.toThrow(/loadMnist: binarize must be/);
  });
});
