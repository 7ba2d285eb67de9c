import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DatasetError } from '@vae/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels, fixtureMnistFiles, gzip } from '../../test/helpers/fixtures.js';
import { type LocalServer, startLocalServer } from '../../test/helpers/local-server.js';
import { FASHION_MNIST_SHA256 } from '../mnist/checksums.js';
import { loadFashionMnist, loadMnistIdx } from '../mnist/load-mnist-idx.js';
import { loadIdx } from './load-idx.js';

let server: LocalServer;
const labels = fixtureLabels(12);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  server = await startLocalServer({
    'labels-idx1-ubyte': labels,
    'labels-idx1-ubyte.gz': gzip(labels),
    'plain-named.gz': labels,
    'corrupt.gz': gzip(labels).subarray(0, 20),
    'mnist/short-labels.gz': gzip(fixtureLabels(5)),
    ...Object.fromEntries(Object.entries(fixtureMnistFiles()).map(([k, v]) => [`mnist/${k}`, v])),
  });
});
afterAll(() => server.close());

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('loadIdx from a URL', () => {
  it('loads plain and gzipped IDX files', async () => {
    for (const name of ['labels-idx1-ubyte', 'labels-idx1-ubyte.gz']) {
      const parsed = await loadIdx(`${server.url}${name}`);
      expect(parsed.dtype).toBe('uint8');
      expect(Array.from(parsed.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    }
  });

  it('checks the SHA-256 of the uncompressed content', async () => {
    await expect(
      loadIdx(`${server.url}labels-idx1-ubyte.gz`, { sha256: sha(labels).toUpperCase() }),
    ).resolves.toBeDefined();
    const error = await rejection(loadIdx(`${server.url}labels-idx1-ubyte.gz`, { sha256: '0'.repeat(64) }));
    expect(error.message).toMatch(
      /labels-idx1-ubyte\.gz has SHA-256 [0-9a-f]{64} \(of its uncompressed content\), expected 0{64}/,
    );
  });

  it('reports a 404 with the URL and status', async () => {
    const error = await rejection(loadIdx(`${server.url}missing.gz`));
    expect(error.message).toMatch(
      /^loadIdx: http:\/\/127\.0\.0\.1:\d+\/missing\.gz answered HTTP 404 Not Found, expected 200/,
    );
    expect(error.source).toBe(`${server.url}missing.gz`);
  });

  it('reports a body cut short', async () => {
    const error = await rejection(loadIdx(`${server.url}truncated/labels-idx1-ubyte.gz`));
    expect(error.message).toMatch(/truncated\/labels-idx1-ubyte\.gz/);
    expect(error.message).toMatch(/network error reading the body of|cut short/);
  });

  it('gives up on a slow answer after timeoutMs', async () => {
    const error = await rejection(loadIdx(`${server.url}slow/labels-idx1-ubyte`, { timeoutMs: 200 }));
    expect(error.message).toMatch(/slow\/labels-idx1-ubyte did not finish downloading within 200 ms/);
  });

  it('reports a connection that fails', async () => {
    const closed = await startLocalServer({});
    const url = `${closed.url}labels.gz`;
    await closed.close();
    const error = await rejection(loadIdx(url));
    expect(error.message).toMatch(/^loadIdx: network error requesting http:\/\/127\.0\.0\.1:\d+\/labels\.gz/);
  });

  it('rejects a .gz that is not gzip, and corrupt gzip', async () => {
    const notGzip = await rejection(loadIdx(`${server.url}plain-named.gz`));
    expect(notGzip.message).toMatch(
      /plain-named\.gz is named \.gz but is not gzip data \(it starts with 00 00 08 01, expected 1f 8b\)/,
    );
    const corrupt = await rejection(loadIdx(`${server.url}corrupt.gz`));
    expect(corrupt.message).toMatch(/corrupt\.gz is corrupt gzip data/);
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const parsed = await loadIdx('https://example.invalid/x.idx1', {
      fetch: async (url) => {
        seen.push(url);
        return new Response(labels as Uint8Array<ArrayBuffer>);
      },
    });
    expect(seen).toEqual(['https://example.invalid/x.idx1']);
    expect(parsed.shape).toEqual([12]);
  });
});

describe('loadMnistIdx and loadFashionMnist from a base URL', () => {
  it('pairs the four files into train and test datasets', async () => {
    const { train, test } = await loadMnistIdx({ baseUrl: `${server.url}mnist` });
    expect([train.size, test.size]).toEqual([30, 10]);
    expect(train.elementShape).toEqual([28, 28, 1]);
    expect(Array.from(test.labels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { x, labels: y } = await test.take(3).toTensors();
    const firstPixels = (await x.data()).filter((_, i) => i % 784 === 0);
    expect(Array.from(firstPixels)).toEqual([0, 7 / 255, 14 / 255].map(Math.fround));
    tf.dispose([x, y]);
    // The fixtures are not Fashion-MNIST: its pinned checksums are turned off.
    const fashion = await loadFashionMnist({ baseUrl: `${server.url}mnist/`, sha256: false });
    expect(fashion.train.classNames?.[0]).toBe('T-shirt/top');
  });

  it('verifies Fashion-MNIST against its pinned checksums by default, naming the URL and the fix', async () => {
    const error = await rejection(loadFashionMnist({ baseUrl: `${server.url}mnist/` }));
    expect(error.message).toMatch(
      new RegExp(
        `^loadFashionMnist: http://127\\.0\\.0\\.1:\\d+/mnist/train-images-idx3-ubyte\\.gz has SHA-256 ${sha(fixtureImages(30))} \\(of its uncompressed content\\), expected ${FASHION_MNIST_SHA256.trainImages}\\. ` +
          'The server sends other data than the checksum names: check the base URL and file names, or pass \\{ sha256 \\}',
      ),
    );
    expect(error.source).toBe(`${server.url}mnist/train-images-idx3-ubyte.gz`);
    // A checksum of the caller's replaces the pinned one for that file only.
    const mixed = await rejection(
      loadFashionMnist({ baseUrl: `${server.url}mnist/`, sha256: { trainImages: sha(fixtureImages(30)) } }),
    );
    expect(mixed.message).toMatch(/train-labels-idx1-ubyte\.gz has SHA-256 .* expected bad3541b/);
  });

  it('reports image/label count mismatch naming both files', async () => {
    const error = await rejection(
      loadMnistIdx({ baseUrl: `${server.url}mnist/`, files: { testLabels: 'short-labels.gz' } }),
    );
    expect(error.message).toMatch(
      /image\/label count mismatch: .*t10k-images-idx3-ubyte\.gz holds 10 images but .*short-labels\.gz holds 5 labels/,
    );
  });

  it('requires a base URL', async () => {
    await expect(loadMnistIdx({ baseUrl: '' })).rejects.toThrow(ConfigError);
    await expect(loadMnistIdx({ baseUrl: 'not a url' })).rejects.toThrow(/baseUrl not a url is not an absolute URL/);
  });
});
