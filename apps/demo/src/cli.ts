// The demo's entry point. Until the full CLI lands, it trains the smallest real VAE end to end.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { trainBarsVae } from './bars.js';

await tf.setBackend('cpu');
console.log(`vae demo: training a 64-32-2 VAE on 8x8 bar images (backend: ${tf.getBackend()})`);
const run = await trainBarsVae(300, 50);
for (let i = 0; i < run.steps.length; i++) {
  console.log(`  step ${String(run.steps[i]).padStart(4)}  loss ${run.losses[i]?.toFixed(3)} nats/example`);
}
const first = run.losses[0] ?? Number.NaN;
const last = run.losses[run.losses.length - 1] ?? Number.NaN;
console.log(`loss fell from ${first.toFixed(2)} to ${last.toFixed(2)} nats per example`);
if (!(last < first)) process.exit(1);
