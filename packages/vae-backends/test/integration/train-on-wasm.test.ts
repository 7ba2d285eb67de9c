import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../src/index.js';
import { expectSameOnBackends, onBackends } from '../compare-backends.js';
import {
  buildReferenceVAE,
  disposeVAE,
  KERAS_CONV,
  MLP,
  type ReferenceDims,
  readWeights,
  seededNormal,
  seededUniform,
  trainableVariables,
  trainFlopsPerImage,
  trainStep,
  writeWeights,
} from '../reference-models.js';

beforeAll(() => {
  registerWasmTrainingKernels();
});

const TINY: ReferenceDims[] = [
  { kind: 'keras-conv', size: 8, filters: [3, 4], dense: 5, latent: 2 },
  { kind: 'keras-conv', size: 12, filters: [2, 3], dense: 4, latent: 3 },
  { kind: 'mlp', input: 30, hidden: 11, latent: 3 },
];

describe('training the reference VAEs on wasm', () => {
  it.each(TINY)('trains like cpu: %o', async (dims) => {
    const batch = 5;
    let initial: Float32Array[] = [];
    const uniform = seededUniform(3);
    const normal = seededNormal(4);
    // The same batch three times, so the loss must go down.
    const batchData = { x: uniform(batch * 144), eps: normal(batch * 3) };
    const steps = [batchData, batchData, batchData];
    const results = await onBackends(['cpu', 'wasm'], () => {
      const vae = buildReferenceVAE(dims);
      // Seeded weights (not the layers' unseeded initializers): the same check on every run.
      if (initial.length === 0) {
        initial = readWeights(vae).map((w, k) => seededUniform(100 + k)(w.length).map((v) => (v - 0.5) / 2));
      }
      writeWeights(vae, initial);
      const exampleSize = vae.exampleShape.reduce((a, b) => a * b);
      const optimizer = tf.train.adam(1e-2);
      const losses: tf.Tensor[] = [];
      for (const step of steps) {
        const x = tf.tensor(step.x.subarray(0, batch * exampleSize), [batch, ...vae.exampleShape]);
        const eps = tf.tensor2d(step.eps.subarray(0, batch * vae.latent), [batch, vae.latent]);
        losses.push(trainStep(vae, optimizer, x, eps));
      }
      const out = [tf.stack(losses), ...trainableVariables(vae).map((v) => tf.clone(v))];
      optimizer.dispose();
      disposeVAE(vae);
      return out;
    });
    const cpuLosses = results['cpu']?.[0] as Float32Array;
    expect(cpuLosses[2]).toBeLessThan(cpuLosses[0] as number);
    // Adam divides by the gradient's own size, so weights after it differ a little more than
    // the kernels' outputs do.
    expectSameOnBackends(results, 1e-4);
  });

  it('leaks no tensor and no wasm buffer across training steps', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const backend = tf.backend() as unknown as { numDataIds(): number };
      const vae = buildReferenceVAE(TINY[0] as ReferenceDims);
      const optimizer = tf.train.adam(1e-3);
      const x = tf.fill([4, 8, 8, 1], 0.5);
      const eps = tf.zeros([4, 2]);
      tf.dispose(trainStep(vae, optimizer, x, eps));
      const tensors = tf.memory().numTensors;
      const buffers = backend.numDataIds();
      for (let i = 0; i < 2; i++) tf.dispose(trainStep(vae, optimizer, x, eps));
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backend.numDataIds()).toBe(buffers);
      tf.dispose([x, eps]);
      optimizer.dispose();
      disposeVAE(vae);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('differentiates an LSTM like cpu (no kernel missing on wasm)', async () => {
    const x = seededUniform(9)(2 * 5 * 3);
    let initial: Float32Array[] = [];
    const results = await onBackends(['cpu', 'wasm'], () => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.lstm({
            units: 4,
            inputShape: [5, 3],
            returnSequences: true,
            recurrentInitializer: 'glorotNormal',
          }),
          tfl.layers.dense({ units: 2 }),
        ],
      });
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      if (initial.length === 0) initial = vars.map((v) => v.dataSync() as Float32Array);
      else
        vars.forEach((v, i) => {
          v.assign(tf.tensor(initial[i] as Float32Array, v.shape));
        });
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(tf.tensor3d(x, [2, 5, 3])) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
      model.dispose();
      return out;
    });
    expectSameOnBackends(results, 1e-5);
  });
});

describe('reference model sizes', () => {
  it('costs the train FLOPs per image the performance notes give (40 M conv, 3.9 M MLP)', () => {
    expect(trainFlopsPerImage(KERAS_CONV) / 1e6).toBeCloseTo(40, 0);
    expect(trainFlopsPerImage(MLP) / 1e6).toBeCloseTo(3.9, 1);
  });
});
