// Trains a small VAE on the wasm backend, with the training kernels of @vae/backends, and prints
// what happened into the page. `npm run build` bundles it with webpack into dist/; serve this folder.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { useBackend, WASM_TRAINING_KERNELS } from '@vae/backends';
import { buildMlpVAE } from '@vae/core';

const show = (id, text) => {
  document.getElementById(id).textContent = text;
};
// What the page learned, also for scripts that drive it (window.vaeExample).
const result = { done: false, error: null, backend: '', trainingKernels: false, kernelsRan: [], losses: [] };
window.vaeExample = result;

try {
  // No wasmPaths: webpack copies the .wasm files of @tensorflow/tfjs-backend-wasm into the build.
  const active = await useBackend('wasm');
  result.backend = active.name;
  result.trainingKernels = active.wasmTrainingKernels;
  show('backend', active.name);
  show('kernels', active.wasmTrainingKernels ? 'installed' : 'not installed');

  // 256 random 8×8 images; the VAE learns their pixel statistics within a few epochs.
  const x = tf.randomUniform([256, 64], 0, 1, 'float32', 1);
  const vae = buildMlpVAE({ inputShape: [64], hiddenUnits: [32], latentDim: 2, seed: 1 });
  // tf.profile lists every kernel the training ran: which of them are ours?
  const profile = await tf.profile(async () => {
    const history = await vae.fit(x, { epochs: 5, batchSize: 64, seed: 1, verbose: 0 });
    result.losses = history.epochs.map((epoch) => epoch.loss);
    show('engine', history.engine?.description ?? '');
    return [];
  });
  result.kernelsRan = WASM_TRAINING_KERNELS.filter((name) => profile.kernelNames.includes(name));
  show('kernels-ran', result.kernelsRan.join(', '));
  show('losses', result.losses.map((loss) => loss.toFixed(2)).join(' → '));
  vae.dispose();
  x.dispose();
  show('status', 'done');
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
  show('status', `failed: ${result.error}`);
} finally {
  result.done = true;
}
