import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { buildConditionalVAE, buildMlpVAE, type MlpVAEConfig, type VAE } from '@vae/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError } from '../../test/compare-backends.js';
import { seededNormal, seededUniform } from '../../test/reference-models.js';
import { type MlpStepArgs, MlpVAEEngine, shareOf } from './mlp-vae-engine.js';
import { checkMlpVAESpec, type MlpVAESpec, mlpVAELayout, mlpVAEMemory, writeMlpBatch } from './mlp-vae-spec.js';
import { mlpVAESupport } from './vae-replica.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One worker on its own: the barriers have nobody to wait for. */
const alone = { barrier: () => undefined, norms: new Float64Array(1) };

/** Trains `vae` on cpu with tfjs autodiff and Adam, and a copy of it with the fused engine; returns both. */
function trainBoth(
  vae: VAE,
  steps: { rows: number; klWeight: number; learningRate: number; clipNorm?: number }[],
): { reference: Float32Array[]; fused: Float32Array[]; losses: number[][]; initial: Float32Array[] } {
  const spec = (mlpVAESupport(vae) as { spec: MlpVAESpec }).spec;
  const vars = vae.trainableVariables;
  checkMlpVAESpec(
    spec,
    vars.map((v) => v.shape),
  );
  const capacity = Math.max(...steps.map((s) => s.rows));
  const layout = mlpVAELayout(spec, capacity, 1);
  const memory = mlpVAEMemory(layout);
  const engine = MlpVAEEngine.create(memory, spec, capacity, 1, 0) as MlpVAEEngine;
  expect(engine).not.toBeNull();
  const f = new Float32Array(memory.buffer);
  const initial = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  initial.forEach((w, k) => {
    f.set(w, layout.params + (layout.variable[k] as number));
  });
  const optimizer = tf.train.adam(steps[0]?.learningRate ?? 1e-3);
  const uniform = seededUniform(7);
  const normal = seededNormal(8);
  const losses: number[][] = [];
  steps.forEach((s, i) => {
    const xs = uniform(s.rows * spec.inputSize).map((v) => (spec.likelihood.kind === 'bernoulli' ? Math.round(v) : v));
    const eps = normal(s.rows * spec.latentDim);
    const classes = spec.conditionWidth ?? 0;
    const oneHot = new Float32Array(s.rows * classes);
    for (let r = 0; r < s.rows; r++) oneHot[r * classes + ((r * 7 + i) % Math.max(classes, 1))] = 1;
    writeMlpBatch(f, layout, spec, s.rows, xs, eps, classes > 0 ? oneHot : undefined);
    const args: MlpStepArgs = {
      rows: s.rows,
      generation: 1,
      learningRate: s.learningRate,
      klWeight: s.klWeight,
      iteration: i + 1,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      ...(s.clipNorm === undefined ? {} : { clipNorm: s.clipNorm }),
    };
    const fused = engine.step(
      args,
      alone,
      () => false,
      () => undefined,
    );
    (optimizer as unknown as { learningRate: number }).learningRate = s.learningRate;
    const x = tf.tensor(xs, [s.rows, ...vae.inputShape]);
    const e = tf.tensor2d(eps, [s.rows, spec.latentDim]);
    const labels = classes > 0 ? tf.tensor2d(oneHot, [s.rows, classes]) : undefined;
    const { value, grads } = optimizer.computeGradients(
      () => vae.lossTerms(x, { eps: e, klWeight: s.klWeight, training: true, ...(labels ? { labels } : {}) }).total,
      vars,
    );
    labels?.dispose();
    let scaled: tf.NamedTensorMap = grads;
    if (s.clipNorm !== undefined) {
      const norm = Math.sqrt(
        Object.values(grads).reduce((a, g) => a + (tf.sum(tf.square(g)).dataSync()[0] as number), 0),
      );
      const scale = norm > s.clipNorm ? s.clipNorm / norm : 1;
      scaled = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, scale)]));
    }
    optimizer.applyGradients(Object.entries(scaled).map(([name, tensor]) => ({ name, tensor })));
    losses.push([fused.loss, value.dataSync()[0] as number]);
    tf.dispose([x, e, value, ...Object.values(grads), ...Object.values(scaled)]);
  });
  optimizer.dispose();
  const fused = vars.map((v, k) => {
    const at = layout.params + (layout.variable[k] as number);
    return f.slice(at, at + v.size);
  });
  return { reference: vars.map((v) => v.dataSync() as Float32Array), fused, losses, initial };
}

/** The same losses and weights to float32 rounding, after the weights moved (not two untouched copies). */
function expectSameTraining({ reference, fused, losses, initial }: ReturnType<typeof trainBoth>): void {
  for (const [mine, theirs] of losses) {
    expect(Math.abs((mine as number) - (theirs as number))).toBeLessThan(1e-5 * Math.abs(theirs as number));
  }
  fused.forEach((w, k) => {
    expect(relativeError(w, reference[k] as Float32Array), `variable ${k}`).toBeLessThan(1e-4);
  });
  expect(fused.some((w, k) => relativeError(w, initial[k] as Float32Array) > 1e-3)).toBe(true);
}

const CASES: [string, MlpVAEConfig, number[]][] = [
  ['odd sizes (SIMD tails, plain-loop columns)', { inputShape: [30], hiddenUnits: [11], latentDim: 3 }, [9, 7]],
  [
    'two hidden layers, leaky relu, a Gaussian likelihood, beta 4',
    {
      inputShape: [6, 4],
      hiddenUnits: [16, 12],
      decoderUnits: [8],
      latentDim: 4,
      activation: 'leakyRelu',
      likelihood: { kind: 'gaussian', sigma: 0.5 },
      beta: 4,
    },
    [8, 5, 12],
  ],
  [
    'linear layers, latent 2, a batch of 1',
    { inputShape: [20], hiddenUnits: [8], decoderUnits: [5], latentDim: 2, activation: 'linear' },
    [6, 1],
  ],
];

describe('MlpVAEEngine (one worker)', () => {
  it.each(CASES)('trains %s like tfjs autodiff and Adam on cpu', (_, config, rows) => {
    const vae = buildMlpVAE({ ...config, seed: 4 });
    try {
      const steps = rows.map((r, i) => ({ rows: r, klWeight: 0.5 + 0.25 * i, learningRate: 1e-2 / (i + 1) }));
      expectSameTraining(trainBoth(vae, steps));
    } finally {
      vae.dispose();
    }
  });

  it('trains a conditional MLP (labels joined to the input and the latent sample) like tfjs autodiff', () => {
    const vae = buildConditionalVAE({ inputShape: [4, 4], numClasses: 3, hiddenUnits: [12], latentDim: 4, seed: 6 });
    try {
      expectSameTraining(
        trainBoth(vae, [
          { rows: 8, klWeight: 1, learningRate: 2e-2 },
          { rows: 5, klWeight: 1, learningRate: 2e-2 },
          { rows: 8, klWeight: 1, learningRate: 2e-2 },
        ]),
      );
    } finally {
      vae.dispose();
    }
  });

  it('clips the global gradient norm like clipping the summed gradients', () => {
    const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 4, seed: 2 });
    try {
      const { reference, fused } = trainBoth(vae, [
        { rows: 8, klWeight: 1, learningRate: 5e-2, clipNorm: 0.1 },
        { rows: 8, klWeight: 1, learningRate: 5e-2, clipNorm: 0.1 },
      ]);
      fused.forEach((w, k) => {
        expect(relativeError(w, reference[k] as Float32Array), `variable ${k}`).toBeLessThan(1e-4);
      });
    } finally {
      vae.dispose();
    }
  });

  it('splits rows like the trainer', () => {
    expect([0, 1, 2].map((i) => shareOf(7, 3, i))).toEqual([
      [0, 2],
      [2, 4],
      [4, 7],
    ]);
  });
});
