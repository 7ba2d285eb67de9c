import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeError } from '@vae/core';
import { expectNoTensorLeak, expectTensorClose } from '@vae/core/test';
import { describe, expect, it } from 'vitest';
import { GaussianHead, gaussianHead } from './gaussian-head.js';

/** A head on 2 features with hand-picked weights. */
function headWithWeights(args: Partial<ConstructorParameters<typeof GaussianHead>[0]> = {}): GaussianHead {
  const head = gaussianHead({ latentDim: 2, ...args });
  head.build([null, 2]);
  head.setWeights([
    tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
    tf.tensor1d([0.5, -0.5]),
    tf.tensor2d([
      [10, 0],
      [0, -10],
    ]),
    tf.tensor1d([0, 1]),
  ]);
  return head;
}

describe('GaussianHead', () => {
  it('computes two affine maps', () => {
    const [mean, logVar] = headWithWeights().apply(tf.tensor2d([[1, 1]])) as tf.Tensor[];
    // mean = [1*1 + 1*3 + 0.5, 1*2 + 1*4 - 0.5]; logVar = [10, -10 + 1]
    expectTensorClose(mean!, [[4.5, 5.5]]);
    expectTensorClose(logVar!, [[10, -9]]);
  });

  it('bounds the log-variance with a scaled tanh by default', () => {
    const [, logVar] = headWithWeights({ logVarBounds: [-4, 2] }).apply(tf.tensor2d([[0.05, 0]])) as tf.Tensor[];
    // raw = [0.5, 1]; bounded = -4 + 6 * (tanh(raw) + 1) / 2
    expectTensorClose(logVar!, [[-4 + 3 * (Math.tanh(0.5) + 1), -4 + 3 * (Math.tanh(1) + 1)]], { rtol: 1e-5 });
    const [, extreme] = headWithWeights({ logVarBounds: [-4, 2] }).apply(tf.tensor2d([[100, -100]])) as tf.Tensor[];
    expectTensorClose(extreme!, [[2, 2]]);
  });

  it("bounds the log-variance by clipping with boundMethod 'clip'", () => {
    const head = headWithWeights({ logVarBounds: [-4, 2], boundMethod: 'clip' });
    const [, logVar] = head.apply(
      tf.tensor2d([
        [0.05, 0],
        [1, 1],
        [-1, -1],
      ]),
    ) as tf.Tensor[];
    expectTensorClose(logVar!, [
      [0.5, 1],
      [2, -4],
      [-4, 2],
    ]);
  });

  it('computes its output shapes symbolically', () => {
    const x = tfl.input({ shape: [7] });
    const [mean, logVar] = gaussianHead({ latentDim: 3 }).apply(x) as tfl.SymbolicTensor[];
    expect(mean!.shape).toEqual([null, 3]);
    expect(logVar!.shape).toEqual([null, 3]);
    expect(new GaussianHead({ latentDim: 4 }).computeOutputShape([5, 9])).toEqual([
      [5, 4],
      [5, 4],
    ]);
  });

  it('has four named weights, seeded initial kernels and zero biases', () => {
    const a = gaussianHead({ latentDim: 2, kernelSeed: 5 });
    const b = gaussianHead({ latentDim: 2, kernelSeed: 5 });
    a.build([null, 3]);
    b.build([null, 3]);
    expect(a.weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'mean_kernel',
      'mean_bias',
      'log_var_kernel',
      'log_var_bias',
    ]);
    const [ka, ba, kva] = a.getWeights();
    expectTensorClose(ka!, b.getWeights()[0]!);
    expectTensorClose(ba!, [0, 0]);
    expect(Array.from(ka!.dataSync())).not.toEqual(Array.from(kva!.dataSync()));
    expect(a.countParams()).toBe(2 * (3 * 2 + 2));
  });

  it('round-trips its config', () => {
    const head = new GaussianHead({
      latentDim: 4,
      logVarBounds: [-6, 3],
      boundMethod: 'clip',
      kernelSeed: 2,
      name: 'q',
    });
    const config = head.getConfig();
    expect(config).toMatchObject({
      latentDim: 4,
      logVarBounds: [-6, 3],
      boundMethod: 'clip',
      kernelSeed: 2,
      name: 'q',
    });
    const copy = GaussianHead.fromConfig(GaussianHead, config) as GaussianHead;
    expect(copy.getConfig()).toEqual(config);
    expect(new GaussianHead({ latentDim: 1 }).getConfig()).toMatchObject({
      logVarBounds: null,
      boundMethod: 'tanh',
      kernelSeed: null,
    });
    expect(GaussianHead.className).toBe('VaeGaussianHead');
  });

  it('trains inside a LayersModel (gradients reach every weight)', () => {
    const x = tfl.input({ shape: [3] });
    const outs = gaussianHead({ latentDim: 2, logVarBounds: [-5, 5] }).apply(x) as tfl.SymbolicTensor[];
    const model = tfl.model({ inputs: x, outputs: outs });
    const input = tf.ones([4, 3]);
    const { grads } = tf.variableGrads(
      () => {
        const [m, v] = model.apply(input, { training: true }) as tf.Tensor[];
        return tf.add(tf.sum(tf.square(m!)), tf.sum(v!)) as tf.Scalar;
      },
      model.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(Object.keys(grads)).toHaveLength(4);
    for (const g of Object.values(grads)) expect(tf.any(tf.notEqual(g, 0)).dataSync()[0]).toBe(1);
  });

  it('rejects bad arguments and inputs with what to pass', () => {
    expect(() => gaussianHead({ latentDim: 0 })).toThrow(ConfigError);
    expect(() => gaussianHead({ latentDim: 0 })).toThrow(/latentDim must be a positive integer, got 0\. Pass e\.g\./);
    expect(() => gaussianHead({ latentDim: 2, logVarBounds: [3, -3] })).toThrow(
      /logVarBounds must be \[min, max\] with finite min < max, got \[3,-3\]/,
    );
    expect(() => gaussianHead({ latentDim: 2, boundMethod: 'sigmoid' as 'tanh' })).toThrow(
      /boundMethod must be 'tanh' or 'clip', got 'sigmoid'/,
    );
    expect(() => gaussianHead({ latentDim: 2, kernelSeed: Number.POSITIVE_INFINITY })).toThrow(ConfigError);
    expect(() => gaussianHead({ latentDim: 2 }).apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(ShapeError);
    expect(() => gaussianHead({ latentDim: 2 }).apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(
      /expected features \[batch, features\].*got \[null, 4, 4, 1\]\. Add a Flatten/,
    );
  });

  it('leaks no tensors', async () => {
    const head = headWithWeights({ logVarBounds: [-3, 3] });
    const x = tf.ones([3, 2]);
    await expectNoTensorLeak(() => head.apply(x));
    const fresh = gaussianHead({ latentDim: 2 });
    fresh.apply(x); // builds the weights (kept by the layer)
    await expectNoTensorLeak(() => fresh.apply(x));
  });
});
