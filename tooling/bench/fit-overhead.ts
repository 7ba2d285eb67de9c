// The library's training loop against a minimal hand-written tfjs loop of the same model, for
// each builder's default configuration, in one run on one backend. Both train the same model
// (same seed, same batches of real digits); the hand loop slices batches in order and calls
// optimizer.minimize, the library runs vae.fit (seeded shuffle, logging, NaN checks, callbacks).
// With --parallel it also times fitParallel (@vae/backends/node) with 2 workers: the same training
// on both cores, from the first step to the weights back on the main thread (worker start-up excluded).
// Usage: pnpm bench:fit [--backend wasm|cpu] [--images 1024] [--windows 3] [--json out.json] [--quick] [--parallel]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@vae/backends';
import { fitParallel } from '@vae/backends/node';
import { buildConditionalVAE, buildConvVAE, buildLstmVAE, buildMlpVAE, type VAE } from '@vae/core';
import { loadMnist } from '@vae/datasets';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    images: { type: 'string', default: '1024' },
    windows: { type: 'string', default: '3' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    models: { type: 'string' },
    parallel: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const images = quick ? 256 : Number(values.images);
const windows = quick ? 1 : Number(values.windows);
const batchSize = 128;
const parallel = values.parallel ?? false;
const parallelWorkers = 2;

interface Spec {
  name: string;
  build: () => VAE;
  conditional?: boolean;
}
const SPECS: Spec[] = [
  { name: 'mlp', build: () => buildMlpVAE({ seed: 1 }) },
  { name: 'conv', build: () => buildConvVAE({ seed: 1 }) },
  { name: 'conv-upsample', build: () => buildConvVAE({ seed: 1, decoderKind: 'upsample' }) },
  { name: 'lstm', build: () => buildLstmVAE({ seed: 1 }) },
  { name: 'conditional-mlp', build: () => buildConditionalVAE({ variant: 'mlp', seed: 1 }), conditional: true },
  { name: 'conditional-conv', build: () => buildConditionalVAE({ variant: 'conv', seed: 1 }), conditional: true },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function handLoop(vae: VAE, x: tf.Tensor, labels: tf.Tensor | undefined, passes = 1): Promise<number> {
  const started = performance.now();
  const optimizer = tf.train.adam(1e-3);
  const vars = vae.trainableVariables;
  const n = x.shape[0] as number;
  let last: tf.Scalar | null = null;
  let step = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i += batchSize, step++) {
      const size = Math.min(batchSize, n - i);
      const xb = tf.slice(x, i, size);
      const lb = labels ? tf.slice(labels, i, size) : undefined;
      last?.dispose();
      const seed = step;
      last = optimizer.minimize(
        () => vae.lossTerms(xb, { ...(lb ? { labels: lb } : {}), seed, training: true }).total,
        true,
        vars,
      );
      tf.dispose([xb, ...(lb ? [lb] : [])]);
    }
  }
  await last?.data();
  last?.dispose();
  const seconds = (performance.now() - started) / 1000;
  optimizer.dispose();
  return (passes * n) / seconds;
}

async function libraryLoop(vae: VAE, x: tf.Tensor, labels: tf.Tensor | undefined, passes = 1): Promise<number> {
  const started = performance.now();
  await vae.fit(labels ? { x, labels } : x, { epochs: passes, batchSize, seed: 1 });
  return (passes * (x.shape[0] as number)) / ((performance.now() - started) / 1000);
}

async function parallelLoop(vae: VAE, x: tf.Tensor, labels: tf.Tensor | undefined, passes = 1): Promise<number> {
  // Fresh workers warm up for a second or two (kernels compile, the engine optimizes the code
  // they run, the optimizer's state appears), while the other loops run on a warm main thread:
  // `passes` untimed epochs first (about two seconds), then `passes` timed ones.
  let started = 0;
  await fitParallel(vae, labels ? { x, labels } : x, {
    epochs: 2 * passes,
    batchSize,
    seed: 1,
    workers: parallelWorkers,
    callbacks: [
      {
        onEpochEnd: (logs) => {
          if (logs.epoch === passes - 1) started = performance.now();
        },
      },
    ],
  });
  return (passes * (x.shape[0] as number)) / ((performance.now() - started) / 1000);
}

const active = await useBackend(values.backend as 'wasm');
console.log(
  `fit overhead benchmark: backend ${active.name}, ${images} images per window, batch ${batchSize}, ${windows} window(s) each`,
);
const { train } = await loadMnist();
const all = await train.take(images).toTensors();
const results: Array<{
  model: string;
  backend: string;
  fitImagesPerSecond: number;
  handImagesPerSecond: number;
  overhead: number;
  epochSeconds: number;
  parallelWorkers?: number;
  parallelImagesPerSecond?: number;
  parallelSpeedup?: number;
}> = [];
const wanted = values.models ? new Set(values.models.split(',')) : null;
for (const spec of SPECS) {
  if (wanted && !wanted.has(spec.name)) continue;
  const x = all.x;
  const labels = spec.conditional ? all.labels : undefined;
  const vae = spec.build();
  // Warm-up: kernels compile and the optimizer's state appears on the first steps.
  const warm = tf.slice(x, 0, Math.min(batchSize * 2, images));
  const warmLabels = labels ? tf.slice(labels, 0, Math.min(batchSize * 2, images)) : undefined;
  await libraryLoop(vae, warm, warmLabels);
  const warmRate = await handLoop(vae, warm, warmLabels);
  // Enough passes over the data that each timed window lasts about two seconds, as epochs do:
  // per-call costs (making the optimizer, the final read-back) then weigh as little as in real training.
  const passes = quick ? 1 : Math.max(1, Math.round((2 * warmRate) / images));
  tf.dispose([warm, ...(warmLabels ? [warmLabels] : [])]);
  if (parallel) {
    const warmAgain = tf.slice(x, 0, Math.min(batchSize * 2, images));
    const warmAgainLabels = labels ? tf.slice(labels, 0, Math.min(batchSize * 2, images)) : undefined;
    await parallelLoop(vae, warmAgain, warmAgainLabels);
    tf.dispose([warmAgain, ...(warmAgainLabels ? [warmAgainLabels] : [])]);
  }
  const fitRates: number[] = [];
  const handRates: number[] = [];
  const parallelRates: number[] = [];
  for (let w = 0; w < windows; w++) {
    // Alternate so that drift on a shared machine hits all loops equally.
    fitRates.push(await libraryLoop(vae, x, labels, passes));
    handRates.push(await handLoop(vae, x, labels, passes));
    if (parallel) parallelRates.push(await parallelLoop(vae, x, labels, passes));
  }
  const fit = median(fitRates);
  const hand = median(handRates);
  const row = {
    model: spec.name,
    backend: active.name,
    fitImagesPerSecond: fit,
    handImagesPerSecond: hand,
    overhead: 1 - fit / hand,
    epochSeconds: 60000 / fit,
    ...(parallel
      ? {
          parallelWorkers,
          parallelImagesPerSecond: median(parallelRates),
          parallelSpeedup: median(parallelRates) / fit,
        }
      : {}),
  };
  results.push(row);
  const parallelText = parallel
    ? `   fitParallel ${parallelWorkers}w ${median(parallelRates).toFixed(1).padStart(8)} img/s (x${(median(parallelRates) / fit).toFixed(2)})`
    : '';
  console.log(
    `${spec.name.padEnd(18)} fit ${fit.toFixed(1).padStart(8)} img/s   hand loop ${hand.toFixed(1).padStart(8)} img/s   overhead ${(row.overhead * 100).toFixed(1).padStart(5)}%   60k-image epoch ${row.epochSeconds.toFixed(0)} s${parallelText}`,
  );
  vae.dispose();
}
tf.dispose([all.x, ...(all.labels ? [all.labels] : [])]);
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ backend: active.name, batchSize, images, windows, results }, null, 2)}\n`,
  );
  console.log(`wrote ${values.json}`);
}
