// Builds small MNIST-style IDX fixtures in memory: `count` 28x28 images whose pixels encode the
// example index, labels i % 10.
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/idx/parse-idx.js';

export function fixtureImages(count: number, side = 28): Uint8Array {
  const data = new Uint8Array(count * side * side);
  for (let i = 0; i < count; i += 1) data.fill((i * 7) % 256, i * side * side, (i + 1) * side * side);
  return encodeIdx({ dtype: 'uint8', shape: [count, side, side], data });
}

export function fixtureLabels(count: number): Uint8Array {
  return encodeIdx({ dtype: 'uint8', shape: [count], data: Uint8Array.from({ length: count }, (_, i) => i % 10) });
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** The four files of an MNIST-style dataset with `train` and `test` examples, gzipped. */
export function fixtureMnistFiles(train = 30, test = 10): Record<string, Uint8Array> {
  return {
    'train-images-idx3-ubyte.gz': gzip(fixtureImages(train)),
    'train-labels-idx1-ubyte.gz': gzip(fixtureLabels(train)),
    't10k-images-idx3-ubyte.gz': gzip(fixtureImages(test)),
    't10k-labels-idx1-ubyte.gz': gzip(fixtureLabels(test)),
  };
}
