import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectNoTensorLeak } from '../../src/testing/index.js';
import { buildConditionalVAE, buildMlpVAE, buildVAE } from '../builders/index.js';
import { BackendError, ConfigError } from '../errors/index.js';
import { gaussianLikelihood } from '../losses/index.js';
import { evaluateVAE } from './evaluate.js';
import { estimateNll } from './importance-weighted.js';

// A linear Gaussian model whose marginal likelihood is known in closed form:
//   z ~ N(0, I_2),  x = z W + b + sigma * eps,  so  x ~ N(b, W^T W + sigma^2 I).
// With W's rows orthogonal the true posterior is diagonal, and an encoder can represent it exactly.
const SIGMA = 0.5;
const W = [
  [2, 0, 0],
  [0, 1, 0],
];
const B = [0.1, -0.2, 0.3];
const MARGINAL_VAR = [4 + SIGMA ** 2, 1 + SIGMA ** 2, SIGMA ** 2];
// Posterior: precision I + W W^T / sigma^2 = diag(17, 5); mean = Sigma W (x - b) / sigma^2.
const POST_VAR = [1 / 17, 1 / 5];
const POST_GAIN = [((POST_VAR[0] as number) * 2) / SIGMA ** 2, ((POST_VAR[1] as number) * 1) / SIGMA ** 2];

function exactNll(x: number[][]): number {
  let total = 0;
  for (const row of x) {
    row.forEach((v, d) => {
      const variance = MARGINAL_VAR[d] as number;
      total += 0.5 * (Math.log(2 * Math.PI * variance) + (v - (B[d] as number)) ** 2 / variance);
    });
  }
  return total / x.length;
}

/** The linear Gaussian VAE; `meanScale` and `logVarShift` move the encoder away from the true posterior. */
function linearGaussianVAE(meanScale = 1, logVarShift = 0) {
  const gain = POST_GAIN.map((g) => g * meanScale);
  const input = tfl.input({ shape: [3] });
  const kernel = tf.tensor2d([
    [gain[0] as number, 0],
    [0, gain[1] as number],
    [0, 0],
  ]);
  const bias = tf.tensor1d([-(gain[0] as number) * (B[0] as number), -(gain[1] as number) * (B[1] as number)]);
  const mean = tfl.layers.dense({ units: 2, weights: [kernel, bias] }).apply(input) as tfl.SymbolicTensor;
  const lvKernel = tf.zeros([3, 2]);
  const lvBias = tf.tensor1d(POST_VAR.map((v) => Math.log(v) + logVarShift));
  const logVar = tfl.layers.dense({ units: 2, weights: [lvKernel, lvBias] }).apply(input) as tfl.SymbolicTensor;
  const encoder = tfl.model({ inputs: input, outputs: [mean, logVar] });
  const wT = tf.tensor2d(W);
  const b = tf.tensor1d(B);
  const decoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3, weights: [wT, b] })] });
  tf.dispose([kernel, bias, lvKernel, lvBias, wT, b]);
  return buildVAE({ encoder, decoder, likelihood: gaussianLikelihood({ sigma: SIGMA }) });
}

function sampleData(n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.randomNormal([n, 2], 0, 1, 'float32', 11);
    const eps = tf.randomNormal([n, 3], 0, SIGMA, 'float32', 12);
    return tf.add(tf.add(tf.matMul(z, tf.tensor2d(W)), tf.tensor1d(B)), eps) as tf.Tensor2D;
  });
}

describe('estimateNll (importance-weighted) on a linear Gaussian model', () => {
  const x = sampleData(64);
  const exact = exactNll(x.arraySync());

  it('equals the exact -log p(x) for every k when the encoder is the true posterior', async () => {
    const vae = linearGaussianVAE();
    for (const k of [1, 7]) {
      const { nll, importanceSamples, examples } = await estimateNll(vae, x, { importanceSamples: k, seed: 3 });
      expect(importanceSamples).toBe(k);
      expect(examples).toBe(64);
      expect(Math.abs(nll - exact)).toBeLessThan(1e-4);
    }
    vae.dispose();
  });

  it('lies between the exact value and the negative ELBO, and approaches the exact value as k grows', async () => {
    const vae = linearGaussianVAE(0.6, 1);
    const elbo = await evaluateVAE(vae, x, { seed: 1 });
    const estimates: number[] = [];
    for (const k of [1, 10, 100, 1000])
      estimates.push((await estimateNll(vae, x, { importanceSamples: k, seed: 5 })).nll);
    const gap = elbo.loss - exact;
    expect(gap).toBeGreaterThan(0.2);
    // k = 1 is an unbiased estimate of the negative ELBO.
    expect(Math.abs((estimates[0] as number) - elbo.loss)).toBeLessThan(gap * 0.35);
    for (let i = 1; i < estimates.length; i++) {
      expect(estimates[i]).toBeLessThan((estimates[i - 1] as number) + 0.01);
      expect(estimates[i]).toBeGreaterThan(exact - 0.01);
    }
    expect((estimates[3] as number) - exact).toBeLessThan(gap * 0.05);
    vae.dispose();
  });

  it('k = 5000 runs in bounded chunks and agrees with the exact value', async () => {
    const vae = linearGaussianVAE(0.6, 1);
    const small = tf.slice(x, 0, 16);
    const { nll } = await estimateNll(vae, small, { importanceSamples: 5000, maxRowsPerChunk: 2048, batchSize: 8 });
    expect(Math.abs(nll - exactNll(small.arraySync() as number[][]))).toBeLessThan(0.02);
    small.dispose();
    vae.dispose();
  });

  it('decoding in bounded calls (samples split, batch split) still gives the exact value', async () => {
    const vae = linearGaussianVAE();
    // 3 values per example: 6 values is 2 rows per call (the batch of 8 is split), 60 is 20 rows
    // (the batch whole, 2 of the 7 samples per call).
    for (const maxDecodeValues of [3, 6, 60]) {
      const { nll } = await estimateNll(vae, x, { importanceSamples: 7, batchSize: 8, seed: 3, maxDecodeValues });
      expect(Math.abs(nll - exact)).toBeLessThan(1e-4);
    }
    vae.dispose();
  });

  it('evaluate reports the negative ELBO, its terms and bits per dimension', async () => {
    const vae = linearGaussianVAE();
    const result = await evaluateVAE(vae, x, { batchSize: 10, seed: 2 });
    expect(result.examples).toBe(64);
    expect(result.loss).toBeCloseTo(result.reconstruction + result.kl, 5);
    expect(result.bitsPerDim).toBeCloseTo(result.loss / (3 * Math.LN2), 8);
    // With the true posterior, the ELBO's expectation is log p(x); one sample per example is close.
    expect(Math.abs(result.loss - exact)).toBeLessThan(0.3);
    // The analytic KL of the posterior against N(0, I), averaged: 0.5 * sum(var + mean^2 - 1 - log var).
    const means = x.arraySync().map((row) => POST_GAIN.map((g, j) => g * ((row[j] as number) - (B[j] as number))));
    const kl =
      means.reduce(
        (s, m) =>
          s +
          m.reduce(
            (t, mu, j) => t + 0.5 * ((POST_VAR[j] as number) + mu ** 2 - 1 - Math.log(POST_VAR[j] as number)),
            0,
          ),
        0,
      ) / means.length;
    expect(result.kl).toBeCloseTo(kl, 4);
    vae.dispose();
  });
});

describe('evaluation: bounded decoder calls', () => {
  const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 3, seed: 4 });
  const x = tf.randomUniform([10, 12], 0, 1, 'float32', 6);

  it('estimateNll gives the same estimate whatever splits the samples or the batch', async () => {
    const options = { importanceSamples: 9, batchSize: 5, seed: 7 };
    const whole = await estimateNll(vae, x, { ...options, maxDecodeValues: 10_000 });
    // 12 values per example: 24 is 2 rows per call (the batch of 5 split into 2, 2, 1; one sample
    // per call), 60 is the batch whole with 1 sample per call, 130 is 2 samples per call.
    for (const maxDecodeValues of [24, 60, 130]) {
      const split = await estimateNll(vae, x, { ...options, maxDecodeValues });
      expect(Math.abs(split.nll - whole.nll)).toBeLessThan(1e-4 * Math.abs(whole.nll));
    }
    // maxRowsPerChunk bounds the calls the same way
    const rows = await estimateNll(vae, x, { ...options, maxRowsPerChunk: 3 });
    expect(Math.abs(rows.nll - whole.nll)).toBeLessThan(1e-4 * Math.abs(whole.nll));
    // and the estimate is not the same for another seed, so the comparison can fail
    const other = await estimateNll(vae, x, { ...options, seed: 8 });
    expect(Math.abs(other.nll - whole.nll)).toBeGreaterThan(1e-3);
  });

  it('evaluate splits a batch over the bound and gives the same terms', async () => {
    const whole = await evaluateVAE(vae, x, { batchSize: 10, seed: 2 });
    const split = await evaluateVAE(vae, x, { batchSize: 10, seed: 2, maxDecodeValues: 36 });
    expect(split.examples).toBe(10);
    expect(Math.abs(split.reconstruction - whole.reconstruction)).toBeLessThan(1e-4 * whole.reconstruction);
    expect(Math.abs(split.kl - whole.kl)).toBeLessThan(1e-4 * Math.max(1, whole.kl));
  });

  it('splitting leaves no tensors behind', async () => {
    await expectNoTensorLeak(async () => {
      await estimateNll(vae, x, { importanceSamples: 5, batchSize: 4, maxDecodeValues: 24 });
      await evaluateVAE(vae, x, { batchSize: 4, maxDecodeValues: 24 });
    });
  });

  it('rejects a bad maxDecodeValues with ConfigError naming it', async () => {
    await expect(estimateNll(vae, x, { maxDecodeValues: 0 })).rejects.toThrow(
      /^estimateNll: maxDecodeValues must be a positive integer, got 0\./,
    );
    await expect(evaluateVAE(vae, x, { maxDecodeValues: 2.5 })).rejects.toThrow(ConfigError);
  });
});

describe('evaluation: a failing backend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Makes the decoder fail as an exhausted wasm heap does: then every later free fails too. */
  function failLikeWasm(vae: ReturnType<typeof buildMlpVAE>): void {
    const backend = tf.engine().backend;
    vi.spyOn(vae, 'decodeParams').mockImplementation(() => {
      vi.spyOn(backend, 'disposeData').mockImplementation(() => {
        throw new Error('abort(RuntimeError: memory access out of bounds). Build with -sASSERTIONS for more info.');
      });
      throw new WebAssembly.RuntimeError('memory access out of bounds');
    });
  }

  it('estimateNll: the first error surfaces as a BackendError naming the work, the sizes and the fix', async () => {
    const vae = buildMlpVAE({ inputShape: [4, 4, 3], hiddenUnits: [8], latentDim: 2, seed: 1 });
    const x = tf.randomUniform([6, 4, 4, 3], 0, 1, 'float32', 2);
    failLikeWasm(vae);
    const error = await estimateNll(vae, x, { importanceSamples: 20, batchSize: 6, maxDecodeValues: 480 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    vi.restoreAllMocks();
    expect(BackendError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^estimateNll: the cpu backend failed \(RuntimeError: memory access out of bounds\)/);
    expect(message).toContain('the importance-weighted NLL (k = 20) on batches of 6');
    // 480 values = 10 images of 4x4x3: the batch of 6 whole, 1 sample per call
    expect(message).toContain('up to 6 examples of 4x4x3 (288 values) per decoder call');
    expect(message).toContain('pass a smaller importanceSamples or batchSize, or a smaller maxDecodeValues (now 480)');
    expect((error as Error).cause).toBeInstanceOf(WebAssembly.RuntimeError);
    x.dispose();
    vae.dispose();
  });

  it('evaluate: the same for the negative ELBO; other errors pass through unchanged', async () => {
    const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 1 });
    const x = tf.randomUniform([4, 12], 0, 1, 'float32', 2);
    vi.spyOn(vae, 'lossTermsPerExample').mockImplementation(() => {
      throw new WebAssembly.RuntimeError('memory access out of bounds');
    });
    await expect(evaluateVAE(vae, x)).rejects.toThrow(
      /^evaluate: the cpu backend failed .* while computing the negative ELBO on batches of 4.*pass a smaller batchSize/,
    );
    const plain = new TypeError('not a backend failure');
    vi.spyOn(vae, 'lossTermsPerExample').mockImplementation(() => {
      throw plain;
    });
    await expect(evaluateVAE(vae, x)).rejects.toBe(plain);
    vi.restoreAllMocks();
    x.dispose();
    vae.dispose();
  });
});

describe('evaluation: memory and errors', () => {
  it('evaluate and estimateNll leave no tensors behind', async () => {
    const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 1 });
    const x = tf.randomUniform([10, 12], 0, 1, 'float32', 1);
    await expectNoTensorLeak(async () => {
      await vae.evaluate(x, { batchSize: 4 });
      await vae.estimateNll(x, { importanceSamples: 20, batchSize: 4, maxRowsPerChunk: 16 });
    });
    x.dispose();
    vae.dispose();
  });

  it('rejects bad options with ConfigError', async () => {
    const vae = buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 1 });
    const x = tf.randomUniform([4, 12]);
    await expect(vae.estimateNll(x, { importanceSamples: 0 })).rejects.toThrow(
      /importanceSamples must be a positive integer, got 0/,
    );
    await expect(vae.estimateNll(x, { maxRowsPerChunk: 1.5 })).rejects.toThrow(ConfigError);
    await expect(vae.evaluate(x, { batchSize: -1 })).rejects.toThrow(/batchSize must be a positive integer, got -1/);
    await expect(vae.evaluate(() => [])).rejects.toThrow(/yielded no examples/);
    x.dispose();
    vae.dispose();
  });
});

describe('evaluation: data meets its likelihood', () => {
  /** Awaits `promise`, expects a ConfigError and returns its message. */
  async function rejection(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }

  it('evaluate and estimateNll refuse 0-255 data under a Bernoulli likelihood, leaving no tensors', async () => {
    const vae = buildMlpVAE({ inputShape: [4], hiddenUnits: [3], latentDim: 2, seed: 1 });
    const pixels = tf.tensor2d([0, 64, 128, 255, 3, 9, 27, 81], [2, 4]);
    const before = tf.memory().numTensors;
    expect(await rejection(vae.evaluate(pixels))).toMatch(
      /^evaluate: x holds values in \[0, 255\], but the bernoulli likelihood needs data in \[0, 1\].*Divide 8-bit pixels by 255/,
    );
    expect(await rejection(vae.estimateNll(pixels, { importanceSamples: 4 }))).toMatch(
      /^estimateNll: x holds values in \[0, 255\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
    vae.dispose();
  });

  it('finds data out of range in a later batch too, and NaN data', async () => {
    const vae = buildMlpVAE({ inputShape: [2], hiddenUnits: [3], latentDim: 2, seed: 1 });
    // the first batch is fine; the third holds a 2
    const data = tf.tensor2d([0, 1, 0.5, 0.5, 1, 0, 0.2, 0.8, 0, 2, 1, 1], [6, 2]);
    const before = tf.memory().numTensors;
    expect(await rejection(vae.evaluate(data, { batchSize: 2 }))).toMatch(/^evaluate: x holds values in \[0, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
    const nan = tf.tensor2d([0, Number.NaN], [1, 2]);
    expect(await rejection(vae.estimateNll(nan, { importanceSamples: 2 }))).toMatch(
      /^estimateNll: x holds 1 NaN or infinite value;/,
    );
    tf.dispose([data, nan]);
    vae.dispose();
  });

  it('accepts data in [0, 1] and any finite data under a Gaussian', async () => {
    const bernoulli = buildMlpVAE({ inputShape: [2], hiddenUnits: [3], latentDim: 2, seed: 1 });
    const gaussian = buildMlpVAE({ inputShape: [2], hiddenUnits: [3], latentDim: 2, seed: 1, likelihood: 'gaussian' });
    const unit = tf.tensor2d([0, 1, 0.5, 0.25], [2, 2]);
    const wide = tf.tensor2d([-5, 5, 0, 2], [2, 2]);
    expect((await bernoulli.evaluate(unit)).examples).toBe(2);
    expect((await gaussian.estimateNll(wide, { importanceSamples: 2 })).examples).toBe(2);
    tf.dispose([unit, wide]);
    bernoulli.dispose();
    gaussian.dispose();
  });

  it('refuses class ids outside [0, numClasses) of a conditional model', async () => {
    const vae = buildConditionalVAE({ inputShape: [2], hiddenUnits: [3], latentDim: 2, numClasses: 3, seed: 1 });
    const x = tf.tensor2d([0, 1, 1, 0, 0.5, 0.5], [3, 2]);
    const ids = tf.tensor1d([0, 2, 3], 'int32');
    expect(await rejection(vae.evaluate(x, { labels: ids, batchSize: 2 }))).toMatch(
      /^evaluate: labels must be integer class ids in \[0, 2\] \(numClasses 3\), got ids in \[0, 3\]/,
    );
    expect(await rejection(vae.estimateNll(x, { labels: ids, importanceSamples: 2 }))).toMatch(
      /^estimateNll: labels must be integer class ids/,
    );
    const good = tf.tensor1d([0, 2, 1], 'int32');
    expect((await vae.estimateNll(x, { labels: good, importanceSamples: 2 })).examples).toBe(3);
    tf.dispose([x, ids, good]);
    vae.dispose();
  });
});
