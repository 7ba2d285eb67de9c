import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ConfigError, DatasetError } from '@vae/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels, fixtureMnistFiles, gzip } from '../../test/helpers/fixtures.js';
import { type LocalServer, startLocalServer } from '../../test/helpers/local-server.js';
import { FASHION_MNIST_SHA256 } from '../mnist/checksums.js';
import { loadIdx } from './load-idx.js';
import { loadFashionMnist, loadMnistIdx } from './load-mnist-idx.js';

let dir: string;
let server: LocalServer;
const labels = fixtureLabels(12);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-datasets-node-'));
  writeFileSync(join(dir, 'labels.idx1'), labels);
  writeFileSync(join(dir, 'labels.idx1.gz'), gzip(labels));
  writeFileSync(join(dir, 'fake.gz'), 'hello');
  server = await startLocalServer({ 'labels.gz': gzip(labels), 'garbage.gz': gzip(new Uint8Array([1, 2, 3])) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('loadIdx (Node) from paths', () => {
  it('reads plain and gzipped files by path and by file: URL', async () => {
    for (const source of [
      join(dir, 'labels.idx1'),
      join(dir, 'labels.idx1.gz'),
      pathToFileURL(join(dir, 'labels.idx1.gz')),
    ]) {
      expect(Array.from((await loadIdx(source)).data)).toEqual(Array.from(labels.subarray(8)));
    }
  });

  it('names the path of a missing file, a folder, and a fake .gz', async () => {
    expect((await rejection(loadIdx(join(dir, 'nope.idx')))).message).toMatch(
      /^loadIdx: .*nope\.idx does not exist\. Check the path\./,
    );
    expect((await rejection(loadIdx(dir))).message).toMatch(/is a folder, not a file/);
    expect((await rejection(loadIdx(join(dir, 'fake.gz')))).message).toMatch(
      /fake\.gz is named \.gz but is not gzip data/,
    );
  });
});

describe('loadIdx (Node) from URLs with the download cache', () => {
  it('downloads once, then reads the cache', async () => {
    const cacheDir = join(dir, 'cache-hit');
    const first = await loadIdx(`${server.url}labels.gz`, { cacheDir });
    const second = await loadIdx(`${server.url}labels.gz`, { cacheDir });
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    expect(server.requests.get('/labels.gz')).toBe(1);
    expect(readdirSync(cacheDir).sort()).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}-labels\.gz$/),
      expect.stringMatching(/^[0-9a-f]{16}-labels\.gz\.integrity\.json$/),
    ]);
    await loadIdx(`${server.url}labels.gz`, { cacheDir, cache: false });
    expect(server.requests.get('/labels.gz')).toBe(2);
  });

  it('never caches a download that fails to decode, and evicts a cached copy that fails its checksum', async () => {
    const cacheDir = join(dir, 'cache-bad');
    await rejection(loadIdx(`${server.url}garbage.gz`, { cacheDir }));
    await rejection(loadIdx(`${server.url}truncated/labels.gz`, { cacheDir }));
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    await loadIdx(`${server.url}labels.gz`, { cacheDir });
    const error = await rejection(loadIdx(`${server.url}labels.gz`, { cacheDir, sha256: 'ab'.repeat(32) }));
    expect(error.message).toMatch(/has SHA-256 .* expected (ab){32}/);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('loadMnistIdx (Node)', () => {
  it('reads the four files from a folder, gzipped or not', async () => {
    const mnistDir = join(dir, 'mnist');
    rmSync(mnistDir, { recursive: true, force: true });
    const files = fixtureMnistFiles(20, 8);
    mkdirSync(mnistDir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(mnistDir, name), bytes, { flag: 'w' });
    // One file unzipped: found without its .gz suffix.
    rmSync(join(mnistDir, 't10k-images-idx3-ubyte.gz'));
    writeFileSync(join(mnistDir, 't10k-images-idx3-ubyte'), fixtureImages(8));
    const { train, test } = await loadMnistIdx({ dir: mnistDir });
    expect([train.size, test.size]).toEqual([20, 8]);
  }, 30_000);

  it('downloads from a base URL into the cache', async () => {
    const mnist = await startLocalServer(fixtureMnistFiles(6, 4));
    try {
      const { train } = await loadMnistIdx({ baseUrl: mnist.url, cacheDir: join(dir, 'cache-mnist') });
      expect(train.size).toBe(6);
    } finally {
      await mnist.close();
    }
  });

  it('says what is missing', async () => {
    await expect(loadMnistIdx({})).rejects.toThrow(ConfigError);
    const error = await rejection(loadMnistIdx({ dir: join(dir, 'empty') }));
    expect(error.message).toMatch(/empty\/train-images-idx3-ubyte\.gz does not exist \(nor train-images-idx3-ubyte\)/);
  });
});

// Debian's dataset-fashion-mnist package, when installed (CI installs it with apt).
const debianDir = '/usr/share/datasets/fashion-mnist/';
const haveDebian = (() => {
  try {
    return readdirSync(debianDir).length >= 4;
  } catch {
    return false;
  }
})();
if (!haveDebian) {
  console.warn(
    `@vae/datasets: ${debianDir} is missing (apt-get install dataset-fashion-mnist); the Fashion-MNIST test is skipped.`,
  );
}

describe('loadFashionMnist (Node, Debian package)', () => {
  it.skipIf(!haveDebian)(
    haveDebian
      ? 'loads 60,000 + 10,000 named, balanced 28x28 images from /usr/share/datasets/fashion-mnist'
      : 'SKIPPED: dataset-fashion-mnist is not installed at /usr/share/datasets/fashion-mnist',
    async () => {
      const { train, test } = await loadFashionMnist();
      expect([train.size, test.size]).toEqual([60_000, 10_000]);
      expect(train.elementShape).toEqual([28, 28, 1]);
      expect(train.classNames?.[9]).toBe('Ankle boot');
      const counts = new Array<number>(10).fill(0);
      for (const label of test.labels!) counts[label]! += 1;
      expect(counts).toEqual(new Array(10).fill(1000));
    },
    60_000,
  );

  it.skipIf(!haveDebian)(
    haveDebian
      ? "rejects a copy of Debian's files with one changed label against the pinned checksum"
      : 'SKIPPED: dataset-fashion-mnist is not installed at /usr/share/datasets/fashion-mnist',
    async () => {
      const copy = join(dir, 'fashion-copy');
      mkdirSync(copy, { recursive: true });
      for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']) {
        symlinkSync(join(debianDir, name), join(copy, name));
      }
      const testLabels = new Uint8Array(gunzipSync(readFileSync(join(debianDir, 't10k-labels-idx1-ubyte.gz'))));
      testLabels[8 + 123] = (testLabels[8 + 123]! + 1) % 10; // still a valid label: only the checksum can tell
      writeFileSync(join(copy, 't10k-labels-idx1-ubyte.gz'), gzip(testLabels));
      const error = await rejection(loadFashionMnist({ dir: copy }));
      expect(error.message).toBe(
        `loadFashionMnist: ${join(copy, 't10k-labels-idx1-ubyte.gz')} has SHA-256 ${createHash('sha256').update(testLabels).digest('hex')} (of its uncompressed content), ` +
          `expected ${FASHION_MNIST_SHA256.testLabels}. The file is corrupt or not the one expected: copy it again, or pass { sha256 } with the checksum of your copy.`,
      );
      // With the check off, the changed copy loads.
      const { test } = await loadFashionMnist({ dir: copy, sha256: false });
      expect(test.size).toBe(10_000);
    },
    60_000,
  );
});
