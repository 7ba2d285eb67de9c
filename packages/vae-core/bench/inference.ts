// Inference throughput of every builder's default config on the cpu and wasm backends.
// Not a test: run with `pnpm --filter @vae/core bench` (optionally `-- --images 16 --windows 5`).
// bench/ is not library code, so it may choose backends itself.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildConditionalVAE, buildConvVAE, buildLstmVAE, buildMlpVAE, type VAE } from '../src/index.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const WINDOWS = flag('windows', 3);
/** Images per window: the cpu backend is slow for conv, so few. */
const IMAGES: Record<string, { cpu: number; wasm: number }> = {
  mlp: { cpu: 64, wasm: 256 },
  'conv (transpose)': { cpu: 4, wasm: 32 },
  'conv (upsample)': { cpu: 4, wasm: 32 },
  lstm: { cpu: 8, wasm: 32 },
  'conditional mlp': { cpu: 64, wasm: 256 },
  'conditional conv': { cpu: 4, wasm: 32 },
};

const builders: Array<[string, () => VAE]> = [
  ['mlp', () => buildMlpVAE()],
  ['conv (transpose)', () => buildConvVAE()],
  ['conv (upsample)', () => buildConvVAE({ decoderKind: 'upsample' })],
  ['lstm', () => buildLstmVAE()],
  ['conditional mlp', () => buildConditionalVAE()],
  ['conditional conv', () => buildConditionalVAE({ variant: 'conv' })],
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(n: number, run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const warm = run();
  await Promise.all([warm].flat().map((t) => t.data()));
  tf.dispose(warm);
  const rates: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = performance.now();
    const out = run();
    await Promise.all([out].flat().map((t) => t.data()));
    rates.push(n / ((performance.now() - t0) / 1000));
    tf.dispose(out);
  }
  return median(rates);
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

const rows: string[] = [];
for (const backend of ['cpu', 'wasm'] as const) {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) {
    console.error(`could not activate ${backend}`);
    continue;
  }
  await tf.ready();
  for (const [name, make] of builders) {
    const n = flag('images', IMAGES[name][backend]);
    const vae = make();
    const x = tf.randomUniform([n, ...vae.inputShape]);
    const z = tf.randomNormal([n, vae.latentDim]);
    const labels = vae.numClasses > 0 ? Array.from({ length: n }, (_, i) => i % vae.numClasses) : undefined;
    try {
      const encode = await timeIt(n, () => {
        const { mean, logVar } = vae.encode(x, { labels });
        return [mean, logVar];
      });
      const decode = await timeIt(n, () => vae.decode(z, { labels }));
      const reconstruct = await timeIt(n, () => vae.reconstruct(x, { labels }));
      rows.push(
        `| ${backend} | ${name} | ${vae.countParams().total} | ${n} | ${fmt(encode)} | ${fmt(decode)} | ${fmt(reconstruct)} |`,
      );
    } catch (error) {
      rows.push(
        `| ${backend} | ${name} | ${vae.countParams().total} | ${n} | failed: ${(error as Error).message.slice(0, 60)} | | |`,
      );
    }
    console.error(rows[rows.length - 1]);
    tf.dispose([x, z]);
    vae.dispose();
  }
}
console.log(`\nimages/s, median of ${WINDOWS} windows (after one warm-up), batch = images per window\n`);
console.log('| backend | builder (defaults) | params | batch | encode | decode | reconstruct |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
