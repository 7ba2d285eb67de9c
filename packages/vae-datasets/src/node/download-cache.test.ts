import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '@vae/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels, fixtureMnistFiles, gzip } from '../../test/helpers/fixtures.js';
import { type LocalServer, startLocalServer } from '../../test/helpers/local-server.js';
import { encodeIdx } from '../idx/parse-idx.js';
import { FASHION_MNIST_SHA256 } from '../mnist/checksums.js';
import { cacheEntry } from './download-cache.js';
import { loadIdx } from './load-idx.js';
import { loadFashionMnist } from './load-mnist-idx.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const labels = fixtureLabels(12);
const images = fixtureImages(4);
/** Same shape as `images`, other pixels. */
const otherImages = encodeIdx({ dtype: 'uint8', shape: [4, 28, 28], data: new Uint8Array(4 * 28 * 28).fill(99) });

let dir: string;
let server: LocalServer;
/** What the server sends, by name; tests change it to play a server that changed its files. */
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-datasets-cache-'));
  server = await startLocalServer(files);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh cache folder and a fresh file name on the server (so request counts start at 0). */
function setUp(name: string, bytes: Uint8Array): { cacheDir: string; url: string; cached: string } {
  files[name] = bytes;
  const cacheDir = mkdtempSync(join(dir, 'cache-'));
  const url = `${server.url}${name}`;
  return { cacheDir, url, cached: cacheEntry(url, cacheDir).file };
}

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at]! ^= 0xff;
  writeFileSync(path, bytes);
}

describe('the download cache verifies what it returns', () => {
  it('records the size and SHA-256 of each download beside it, and leaves no temporary files', async () => {
    const { cacheDir, url, cached } = setUp('record/labels-idx1-ubyte', labels);
    await loadIdx(url, { cacheDir });
    expect(readdirSync(cacheDir).sort()).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}-labels-idx1-ubyte$/),
      expect.stringMatching(/^[0-9a-f]{16}-labels-idx1-ubyte\.integrity\.json$/),
    ]);
    expect(JSON.parse(readFileSync(`${cached}.integrity.json`, 'utf8'))).toEqual({
      url,
      bytes: labels.length,
      sha256: sha(labels),
    });
  });

  it('downloads again, instead of returning it, a cached uncompressed IDX file with a flipped byte', async () => {
    const { cacheDir, url, cached } = setUp('flip/labels-idx1-ubyte', labels);
    await loadIdx(url, { cacheDir });
    flipByte(cached, 8 + 3); // a label byte: the file still parses, with label 3 turned into 252
    const again = await loadIdx(url, { cacheDir });
    expect(Array.from(again.data)).toEqual(Array.from(labels.subarray(8)));
    expect(server.requests.get('/flip/labels-idx1-ubyte')).toBe(2);
    expect(sha(readFileSync(cached))).toBe(sha(labels));
  });

  it('downloads again a cached gzip swapped for a valid gzip of other pixels', async () => {
    const { cacheDir, url, cached } = setUp('swap/images-idx3-ubyte.gz', gzip(images));
    await loadIdx(url, { cacheDir });
    writeFileSync(cached, gzip(otherImages));
    const again = await loadIdx(url, { cacheDir });
    expect(Array.from(again.data)).toEqual(Array.from(images.subarray(16)));
    expect(server.requests.get('/swap/images-idx3-ubyte.gz')).toBe(2);
  });

  it('downloads again a cached file that has no integrity record (an older cache), rather than trusting it', async () => {
    const { cacheDir, url, cached } = setUp('legacy/labels.gz', gzip(labels));
    await loadIdx(url, { cacheDir });
    rmSync(`${cached}.integrity.json`);
    writeFileSync(cached, gzip(fixtureLabels(12).map((v, i) => (i < 8 ? v : 0))));
    const again = await loadIdx(url, { cacheDir });
    expect(Array.from(again.data)).toEqual(Array.from(labels.subarray(8)));
    expect(server.requests.get('/legacy/labels.gz')).toBe(2);
  });

  it('replaces a cached copy that fails a checksum given later with a fresh download that passes it', async () => {
    const { cacheDir, url } = setUp('stale/labels.gz', gzip(fixtureLabels(5)));
    await loadIdx(url, { cacheDir });
    files['stale/labels.gz'] = gzip(labels); // the server's file was fixed since
    const fixed = await loadIdx(url, { cacheDir, sha256: sha(labels) });
    expect(fixed.shape).toEqual([12]);
    expect(server.requests.get('/stale/labels.gz')).toBe(2);
  });

  it('throws, naming the URL, the cache file, both hashes and the fix, when the fresh download still fails the checksum', async () => {
    const { cacheDir, url, cached } = setUp('changed/labels.gz', gzip(labels));
    await loadIdx(url, { cacheDir, sha256: sha(labels) });
    const other = fixtureLabels(12).map((v, i) => (i < 8 ? v : 9 - v));
    files['changed/labels.gz'] = gzip(other); // the server now sends other labels
    flipByte(cached, 20); // and the cached copy went bad
    const error = await rejection(loadIdx(url, { cacheDir, sha256: sha(labels) }));
    expect(
      error.message.startsWith(
        `loadIdx: ${url} has SHA-256 ${sha(other)} (of its uncompressed content), expected ${sha(labels)}. `,
      ),
    ).toBe(true);
    expect(error.message).toMatch(
      new RegExp(
        `This is a fresh download: the cached copy ${cached.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was removed first \\(its SHA-256 is [0-9a-f]{64}, but ${sha(gzip(labels))} was stored\\), ` +
          'so the server itself sends other data than the checksum names: check the URL \\(base URL and file names\\), or pass \\{ sha256 \\} with the checksum of your copy\\.$',
      ),
    );
    expect(error.source).toBe(url);
    // Nothing bad stays in the cache.
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('says why the cached copy was removed when downloading it again fails, checking its size before reading it', async () => {
    const { cacheDir, url, cached } = setUp('offline/labels.gz', gzip(labels));
    await loadIdx(url, { cacheDir });
    appendFileSync(cached, new Uint8Array([0]));
    const fetch = async (): Promise<Response> => {
      throw new TypeError('fetch failed');
    };
    const error = await rejection(loadIdx(url, { cacheDir, fetch }));
    expect(error.message).toBe(
      `loadIdx: the cached copy ${cached} of ${url} was removed (it holds ${gzip(labels).length + 1} bytes, but ${gzip(labels).length} were stored), ` +
        `and downloading it again failed: network error requesting ${url} (fetch failed). Check the URL and the connection.`,
    );
  });

  it('stops inflating a file at the size its pinned checksum names', async () => {
    const base = 'pinned-size/';
    for (const [name, bytes] of Object.entries(fixtureMnistFiles(6, 4))) files[`${base}${name}`] = bytes;
    files[`${base}t10k-labels-idx1-ubyte.gz`] = gzip(fixtureLabels(20_000));
    const fixture = fixtureMnistFiles(6, 4);
    const unzip = (name: string) => sha(gunzipSync(fixture[name]!));
    const error = await rejection(
      loadFashionMnist({
        baseUrl: `${server.url}${base}`,
        cacheDir: mkdtempSync(join(dir, 'cache-')),
        // The fixture's own checksums for three files; the pinned one stays for the test labels.
        sha256: {
          trainImages: unzip('train-images-idx3-ubyte.gz'),
          trainLabels: unzip('train-labels-idx1-ubyte.gz'),
          testImages: unzip('t10k-images-idx3-ubyte.gz'),
        },
      }),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^loadFashionMnist: ${server.url}${base}t10k-labels-idx1-ubyte\\.gz inflates to more than 10008 bytes, the size of the file with SHA-256 ${FASHION_MNIST_SHA256.testLabels}: it is another file\\. This is a fresh download`,
      ),
    );
  });

  it('names the cache folder when a download cannot be stored', async () => {
    const { url } = setUp('unwritable/labels.gz', gzip(labels));
    const cacheDir = join(dir, 'a-file');
    writeFileSync(cacheDir, 'not a folder');
    const error = await rejection(loadIdx(url, { cacheDir }));
    expect(error.message).toMatch(
      /^loadIdx: could not store http:\/\/127\.0\.0\.1:\d+\/unwritable\/labels\.gz in the download cache .*a-file\/[0-9a-f]{16}-labels\.gz .* Pass \{ cacheDir \} to a writable folder or \{ cache: false \}\.$/,
    );
  });
});
