// Unit tests run on the pure-JS `cpu` backend: deterministic and available everywhere.
// This is the only place in the test suite that chooses a backend (the wasm kernel tests of
// @vae/backends switch explicitly, inside their own files).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

const ok = await tf.setBackend('cpu');
if (!ok || tf.getBackend() !== 'cpu') {
  throw new Error(`vitest setup: could not activate the tfjs cpu backend (got ${tf.getBackend()})`);
}
await tf.ready();
