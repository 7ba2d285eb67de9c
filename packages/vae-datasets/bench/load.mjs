#!/usr/bin/env node
// Load time and peak memory of the embedded MNIST and of the full Fashion-MNIST (Debian's
// package), each measured in a fresh Node process, plus one pass of 128-example batches on the
// cpu backend. Not a test: prints a table. Run after `pnpm build`: `pnpm --filter @vae/datasets bench`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cases = {
  async 'embedded MNIST (loadMnist)'() {
    const { loadMnist } = await import('../dist/index.js');
    const { train, test } = await loadMnist();
    return [train, test];
  },
  async 'Fashion-MNIST (loadFashionMnist, Debian)'() {
    const { loadFashionMnist } = await import('../dist/node.js');
    const { train, test } = await loadFashionMnist();
    return [train, test];
  },
};

async function measure(name) {
  await import('@tensorflow/tfjs-backend-cpu');
  const tf = await import('@tensorflow/tfjs-core');
  await tf.setBackend('cpu');
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const [train, test] = await cases[name]();
  const loadMs = performance.now() - start;
  const afterLoad = process.memoryUsage();
  // What the loaded datasets keep: zlib's buffers are released a few macrotasks and collections later.
  for (const wait of [0, 200, 200]) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    globalThis.gc?.();
  }
  const retained = process.memoryUsage();
  const epochStart = performance.now();
  let seen = 0;
  for await (const batch of train.batches({ batchSize: 128, shuffle: true, seed: 0 })) {
    seen += batch.x.shape[0];
    tf.dispose(batch);
  }
  const epochMs = performance.now() - epochStart;
  return {
    name,
    examples: `${train.size} + ${test.size}`,
    loadMs: Math.round(loadMs),
    heapMB: ((afterLoad.heapUsed - heapBefore) / 2 ** 20).toFixed(1),
    externalMB: (afterLoad.arrayBuffers / 2 ** 20).toFixed(1),
    retainedMB: ((retained.heapUsed - heapBefore + retained.arrayBuffers) / 2 ** 20).toFixed(1),
    rssGrowthMB: ((afterLoad.rss - rssBefore) / 2 ** 20).toFixed(1),
    peakRssMB: (process.resourceUsage().maxRSS / 1024).toFixed(1),
    epochMs: Math.round(epochMs),
    batchesPerSec: Math.round(seen / 128 / (epochMs / 1000)),
  };
}

const only = process.argv[2];
if (only !== undefined) {
  console.log(JSON.stringify(await measure(only)));
} else {
  const here = fileURLToPath(import.meta.url);
  const rows = [];
  for (const name of Object.keys(cases)) {
    try {
      rows.push(
        JSON.parse(
          execFileSync(process.execPath, ['--expose-gc', here, name], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          })
            .trim()
            .split('\n')
            .pop(),
        ),
      );
    } catch (error) {
      rows.push({ name, error: String(error.message).split('\n')[0] });
    }
  }
  console.log(
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; each case in a fresh process; epoch = one shuffled pass, batch 128, cpu backend`,
  );
  console.table(rows);
}
