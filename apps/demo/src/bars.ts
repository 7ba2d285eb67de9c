import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers the gradients of every op (tfjs-core alone does not in Node).
import '@tensorflow/tfjs-layers';

/** Result of {@link trainBarsVae}: the loss (negative ELBO, nats per example) per logged step. */
export interface BarsRun {
  steps: number[];
  losses: number[];
}

/**
 * Makes `n` 8x8 binary images, each a single horizontal or vertical bar, flattened to 64 values.
 * A deterministic toy dataset with real structure (16 distinct images) for the smallest demo.
 */
export function makeBars(n: number): tf.Tensor2D {
  const data = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const k = i % 16;
    for (let j = 0; j < 8; j++) {
      const pixel = k < 8 ? k * 8 + j : j * 8 + (k - 8);
      data[i * 64 + pixel] = 1;
    }
  }
  return tf.tensor2d(data, [n, 64]);
}

/**
 * Trains a one-hidden-layer VAE (64-32-2) with a Bernoulli likelihood on {@link makeBars} data,
 * with Adam, and returns the loss every `logEvery` steps.
 */
export async function trainBarsVae(steps = 300, logEvery = 50): Promise<BarsRun> {
  const x = makeBars(128);
  // Variables made inside tidy keep their values while the initial tensors are released.
  const vars = tf.tidy(() => {
    const init = (shape: [number, number], seed: number) =>
      tf.variable(tf.randomNormal(shape, 0, 0.1, 'float32', seed));
    return [
      init([64, 32], 1),
      tf.variable(tf.zeros([32])),
      init([32, 2], 2),
      init([32, 2], 3),
      init([2, 32], 4),
      tf.variable(tf.zeros([32])),
      init([32, 64], 5),
      tf.variable(tf.zeros([64])),
    ];
  });
  const [w1, b1, wMean, wLogVar, w2, b2, w3, b3] = vars as [
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
    tf.Variable,
  ];
  const optimizer = tf.train.adam(1e-2);
  const run: BarsRun = { steps: [], losses: [] };
  try {
    for (let step = 1; step <= steps; step++) {
      const loss = optimizer.minimize(
        () => {
          const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
          const mean = tf.matMul(h, wMean);
          const logVar = tf.matMul(h, wLogVar);
          const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', step);
          const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
          const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w2), b2)), w3), b3);
          // Stable BCE from logits: max(l, 0) - l * x + log(1 + exp(-|l|)).
          const bce = tf.sum(
            tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
            1,
          );
          const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar)), 1));
          return tf.mean(tf.add(bce, kl)) as tf.Scalar;
        },
        true,
        vars,
      );
      if (loss && (step % logEvery === 0 || step === 1)) {
        run.steps.push(step);
        run.losses.push((await loss.data())[0] ?? Number.NaN);
      }
      loss?.dispose();
    }
  } finally {
    tf.dispose([x, ...vars]);
    optimizer.dispose();
  }
  return run;
}
