import { describe, expect, it } from 'vitest';
import { type IdxFileNames, loadIdxSplits } from './idx-splits.js';
import { MNIST_CLASS_NAMES } from './load-mnist.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('loadIdxSplits', () => {
  it('throws the first failure in file order, whichever read fails first', async () => {
    const settledFiles: string[] = [];
    // Every read fails; the test labels fail at once and the train images last.
    const delays: Record<keyof IdxFileNames, number> = {
      trainImages: 30,
      trainLabels: 20,
      testImages: 10,
      testLabels: 0,
    };
    const read = async (file: keyof IdxFileNames) => {
      await later(delays[file]);
      settledFiles.push(file);
      throw new Error(`${file} is missing`);
    };
    await expect(loadIdxSplits(read, MNIST_CLASS_NAMES, {})).rejects.toThrow('trainImages is missing');
    // It waited for every read instead of leaving three in flight.
    expect(settledFiles).toEqual(['testLabels', 'testImages', 'trainLabels', 'trainImages']);
  });

  it('names the one file that failed when the others load', async () => {
    const read = async (file: keyof IdxFileNames) => {
      if (file === 'testImages') throw new Error('testImages is corrupt');
      return { array: { shape: [0], data: new Uint8Array(0) }, source: file } as never;
    };
    await expect(loadIdxSplits(read, MNIST_CLASS_NAMES, {})).rejects.toThrow('testImages is corrupt');
  });
});
