import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { datasetFromArrays } from './from-arrays.js';

/** 200 examples of 50 pixels; example i has every pixel equal to (i % 256). */
function ramp(count = 200, pixels = 50): Uint8Array {
  const x = new Uint8Array(count * pixels);
  for (let i = 0; i < count; i += 1) x.fill(i % 256, i * pixels, (i + 1) * pixels);
  return x;
}

async function values(ds: ReturnType<typeof datasetFromArrays>, epoch?: number): Promise<number[][]> {
  const { x, labels } = await ds.toTensors(epoch === undefined ? {} : { epoch });
  const out = x.arraySync() as number[][];
  tf.dispose([x, labels]);
  return out;
}

describe('datasetFromArrays pixel options', () => {
  it('normalises 8-bit values to [0, 1] by default and keeps them with normalize: false', async () => {
    const x = new Uint8Array([0, 51, 255, 102]);
    const normalised = (await values(datasetFromArrays({ x, shape: [2] }))).flat();
    for (const [i, v] of [0, 0.2, 1, 0.4].entries()) expect(normalised[i]).toBeCloseTo(v, 6);
    expect(await values(datasetFromArrays({ x, shape: [2], normalize: false }))).toEqual([
      [0, 51],
      [255, 102],
    ]);
  });

  it('keeps float data as it is', async () => {
    expect(await values(datasetFromArrays({ x: new Float32Array([0.25, 3]), shape: [2] }))).toEqual([[0.25, 3]]);
  });

  it('binarises with a static threshold on intensity', async () => {
    const x = new Uint8Array([0, 127, 128, 255]);
    expect(await values(datasetFromArrays({ x, shape: [4], binarize: 'static' }))).toEqual([[0, 0, 1, 1]]);
    expect(await values(datasetFromArrays({ x, shape: [4], binarize: 'static', threshold: 0.1 }))).toEqual([
      [0, 1, 1, 1],
    ]);
  });

  it('binarises dynamically: Bernoulli(intensity), repeatable per epoch and seed, new per epoch', async () => {
    const ds = datasetFromArrays({ x: ramp(), shape: [50], binarize: 'dynamic', binarizeSeed: 5 });
    const epoch0 = await values(ds, 0);
    expect(await values(ds, 0)).toEqual(epoch0);
    const epoch1 = await values(ds, 1);
    expect(epoch1).not.toEqual(epoch0);
    const otherSeed = await values(
      datasetFromArrays({ x: ramp(), shape: [50], binarize: 'dynamic', binarizeSeed: 6 }),
      0,
    );
    expect(otherSeed).not.toEqual(epoch0);
    // Mean over all pixels = mean intensity (0..199)/255 = 0.3902; 10,000 draws: sd ~ 0.005.
    const all = epoch0.flat();
    expect(all.every((v) => v === 0 || v === 1)).toBe(true);
    expect(all.reduce((a, b) => a + b, 0) / all.length).toBeCloseTo(99.5 / 255, 1);
    // An example's draw does not depend on the batch it lands in.
    const fromBatches: number[][] = [];
    for await (const batch of ds.batches({ batchSize: 7, shuffle: true, seed: 2, epoch: 0 })) {
      const rows = batch.x.arraySync() as number[][];
      const first = (await batch.x.data())[0];
      expect(first).toBeDefined();
      fromBatches.push(...rows);
      tf.dispose(batch);
    }
    const sorted = (rows: number[][]) => rows.map((r) => r.join('')).sort();
    expect(sorted(fromBatches)).toEqual(sorted(epoch0));
  });

  it('counts calls of batches() as epochs when no epoch is given', async () => {
    const ds = datasetFromArrays({ x: ramp(20), shape: [50], binarize: 'dynamic' });
    const pass = async () => {
      const rows: number[][] = [];
      for await (const batch of ds.batches({ batchSize: 20 })) {
        rows.push(...(batch.x.arraySync() as number[][]));
        tf.dispose(batch);
      }
      return rows;
    };
    const first = await pass();
    const second = await pass();
    expect(second).not.toEqual(first);
    expect(first).toEqual(await values(ds, 0));
  });

  it('flattens on request', () => {
    expect(datasetFromArrays({ x: ramp(2, 4), shape: [2, 2, 1], flatten: true }).elementShape).toEqual([4]);
  });

  it('rejects inconsistent arrays and options with ConfigErrors that say what to pass', () => {
    expect(() => datasetFromArrays({ x: new Uint8Array(5), shape: [2] })).toThrow(
      /x holds 5 values, which is not a whole number of examples of shape \[2\]/,
    );
    expect(() => datasetFromArrays({ x: new Uint8Array(4), shape: [2], labels: [0] })).toThrow(
      /1 labels for 2 examples/,
    );
    expect(() =>
      datasetFromArrays({ x: new Uint8Array(4), shape: [2], labels: [0, 3], classNames: ['a', 'b'] }),
    ).toThrow(/label 3 at example 1 is not a class index in \[0, 2\)/);
    expect(() => datasetFromArrays({ x: new Uint8Array(4), shape: [0] })).toThrow(ConfigError);
    expect(() => datasetFromArrays({ x: new Uint8Array(4), shape: [2], threshold: 2 })).toThrow(
      /threshold must be in \[0, 1\]/,
    );
    expect(() =>
      datasetFromArrays({ x: new Uint8Array(4), shape: [2], binarize: 'sometimes' as unknown as 'none' }),
    ).toThrow(/binarize must be 'none', 'static' or 'dynamic'/);
  });
});
