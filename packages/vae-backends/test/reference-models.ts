// The two reference VAEs of the benchmark and the correctness tests, built directly with
// tfjs-layers, and a hand-written training step (Bernoulli BCE on logits + Gaussian KL, mean
// over the batch, Adam). @vae/core's models will replace these once they exist.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The Keras-example conv VAE, scalable down for tests. */
export interface ConvVAEDims {
  kind: 'keras-conv';
  /** Image side (28 for MNIST; must be divisible by 4). */
  size: number;
  /** Filters of the two encoder convs (the decoder mirrors them). */
  filters: [number, number];
  dense: number;
  latent: number;
}

/** The 784-400-20 MLP VAE, scalable down for tests. */
export interface MlpVAEDims {
  kind: 'mlp';
  input: number;
  hidden: number;
  latent: number;
}

export type ReferenceDims = ConvVAEDims | MlpVAEDims;

export const KERAS_CONV: ConvVAEDims = { kind: 'keras-conv', size: 28, filters: [32, 64], dense: 16, latent: 2 };
export const MLP: MlpVAEDims = { kind: 'mlp', input: 784, hidden: 400, latent: 20 };

/** A reference VAE: the two networks and the shape of one example. */
export interface ReferenceVAE {
  encoder: tfl.LayersModel;
  decoder: tfl.LayersModel;
  exampleShape: number[];
  latent: number;
}

/** Train FLOPs per image: 3 × the forward pass (2 FLOPs per multiply-add); 40 M for KERAS_CONV, 3.9 M for MLP. */
export function trainFlopsPerImage(dims: ReferenceDims): number {
  if (dims.kind === 'mlp') {
    const forward =
      2 *
      (dims.input * dims.hidden + dims.hidden * 2 * dims.latent + dims.latent * dims.hidden + dims.hidden * dims.input);
    return 3 * forward;
  }
  const s = dims.size;
  const [f1, f2] = dims.filters;
  const q = s / 4;
  const macs =
    (s / 2) ** 2 * 9 * 1 * f1 +
    q * q * 9 * f1 * f2 +
    q * q * f2 * dims.dense +
    dims.dense * 2 * dims.latent +
    dims.latent * q * q * f2 +
    q * q * 9 * f2 * f2 +
    (s / 2) ** 2 * 9 * f2 * f1 +
    s * s * 9 * f1;
  return 3 * 2 * macs;
}

export function buildReferenceVAE(dims: ReferenceDims): ReferenceVAE {
  if (dims.kind === 'mlp') {
    const x = tfl.input({ shape: [dims.input] });
    const h = tfl.layers.dense({ units: dims.hidden, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    const mean = tfl.layers.dense({ units: dims.latent }).apply(h) as tfl.SymbolicTensor;
    const logVar = tfl.layers.dense({ units: dims.latent }).apply(h) as tfl.SymbolicTensor;
    const encoder = tfl.model({ inputs: x, outputs: [mean, logVar] });
    const decoder = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [dims.latent], units: dims.hidden, activation: 'relu' }),
        tfl.layers.dense({ units: dims.input }),
      ],
    });
    return { encoder, decoder, exampleShape: [dims.input], latent: dims.latent };
  }
  const { size, filters, dense, latent } = dims;
  const q = size / 4;
  const x = tfl.input({ shape: [size, size, 1] });
  let h = tfl.layers
    .conv2d({ filters: filters[0], kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ filters: filters[1], kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: dense, activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
  const mean = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
  const logVar = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
  const encoder = tfl.model({ inputs: x, outputs: [mean, logVar] });
  const decoder = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [latent], units: q * q * filters[1], activation: 'relu' }),
      tfl.layers.reshape({ targetShape: [q, q, filters[1]] }),
      tfl.layers.conv2dTranspose({
        filters: filters[1],
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.conv2dTranspose({
        filters: filters[0],
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: 'same' }),
    ],
  });
  return { encoder, decoder, exampleShape: [size, size, 1], latent };
}

/** Every trainable variable of the VAE, encoder first. */
export function trainableVariables(vae: ReferenceVAE): tf.Variable[] {
  return [...vae.encoder.trainableWeights, ...vae.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
}

/** The negative ELBO in nats per example: BCE on logits summed over pixels + KL, mean over the batch. */
export function vaeLoss(vae: ReferenceVAE, x: tf.Tensor, eps: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [mean, logVar] = vae.encoder.apply(x, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const logits = vae.decoder.apply(z, { training: true }) as tf.Tensor;
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const rank = x.shape.length;
    const recon = tf.sum(
      bce,
      Array.from({ length: rank - 1 }, (_, i) => i + 1),
    );
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mean)), tf.exp(logVar)), 1));
    return tf.mean(tf.add(recon, kl)) as tf.Scalar;
  });
}

/** One training step: forward, backward, Adam; returns the loss (caller disposes). */
export function trainStep(vae: ReferenceVAE, optimizer: tf.Optimizer, x: tf.Tensor, eps: tf.Tensor): tf.Scalar {
  return optimizer.minimize(() => vaeLoss(vae, x, eps), true, trainableVariables(vae)) as tf.Scalar;
}

/** A deterministic pseudo-random stream (Park-Miller), the same on every backend. */
export function seededUniform(seed: number): (n: number) => Float32Array {
  let state = seed % 2147483647 || 1;
  return (n) =>
    Float32Array.from({ length: n }, () => {
      state = (state * 16807) % 2147483647;
      return state / 2147483647;
    });
}

/** Standard normal values from a seeded stream (Box-Muller). */
export function seededNormal(seed: number): (n: number) => Float32Array {
  const u = seededUniform(seed);
  return (n) => {
    const a = u(n);
    const b = u(n);
    return a.map((v, i) => Math.sqrt(-2 * Math.log(v)) * Math.cos(2 * Math.PI * (b[i] as number)));
  };
}

/** The VAE's weights as plain arrays, to copy a model across backends. */
export function readWeights(vae: ReferenceVAE): Float32Array[] {
  return trainableVariables(vae).map((v) => v.dataSync() as Float32Array);
}

export function writeWeights(vae: ReferenceVAE, values: readonly Float32Array[]): void {
  trainableVariables(vae).forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(values[i] as Float32Array, v.shape)));
  });
}

export function disposeVAE(vae: ReferenceVAE): void {
  vae.encoder.dispose();
  vae.decoder.dispose();
}
