import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { BackendError } from '@vae/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameOnBackends, onBackends } from '../../test/compare-backends.js';
import { seededUniform } from '../../test/reference-models.js';
import { VAEAdam } from '../optimizers/vae-adam.js';
import { adamUpdate } from './adam.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS, wasmTrainingKernelsInstalled } from './index.js';

const random = seededUniform(7);
const data = (n: number) => random(n).map((v) => v * 2 - 1);
const BOTH = ['cpu', 'wasm'] as const;

beforeAll(() => {
  registerWasmTrainingKernels();
});

type Pad = 'same' | 'valid' | number;
interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { name: 'odd sizes, stride 2, same', x: [2, 9, 7, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { name: 'batch 1, one channel, valid', x: [1, 8, 8, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'valid' },
  { name: 'stride 3, 5x5 filter, same', x: [3, 11, 10, 4], filter: [5, 5, 4, 6], strides: 3, pad: 'same' },
  { name: 'unequal strides, non-square filter', x: [2, 10, 9, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: 'same' },
  { name: 'explicit numeric padding', x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 1 },
  { name: '1x1 filter', x: [3, 5, 6, 4], filter: [1, 1, 4, 7], strides: 1, pad: 'valid' },
  {
    name: 'filter larger than stride, valid, stride 2',
    x: [2, 13, 12, 5],
    filter: [4, 4, 5, 3],
    strides: 2,
    pad: 'valid',
  },
  { name: 'Keras-VAE layer shape', x: [4, 14, 14, 32], filter: [3, 3, 32, 64], strides: 2, pad: 'same' },
  { name: 'large enough to be gathered in chunks', x: [5, 40, 40, 16], filter: [3, 3, 16, 4], strides: 1, pad: 'same' },
];

function convOutShape(c: ConvCase): [number, number, number, number] {
  return tf.tidy(
    () => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape,
  ) as [number, number, number, number];
}

describe('wasm training kernels', () => {
  it('installs every kernel, and a second call changes nothing', () => {
    expect(wasmTrainingKernelsInstalled()).toBe(true);
    const again = registerWasmTrainingKernels();
    expect(again.registered).toEqual([]);
    expect(again.installed).toEqual(WASM_TRAINING_KERNELS);
  });

  it.each(CONV_CASES)('conv2d gradients (Conv2DBackpropFilter, Conv2DBackpropInput) match cpu: $name', async (c) => {
    const xd = data(c.x.reduce((a, b) => a * b));
    const fd = data(c.filter.reduce((a, b) => a * b));
    const yShape = convOutShape(c);
    const wd = data(yShape.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const x = tf.tensor4d(xd, c.x);
      const filter = tf.tensor4d(fd, c.filter);
      const y = tf.conv2d(x, filter, c.strides, c.pad);
      const weights = tf.tensor(wd, yShape);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), weights));
      const [dx, dFilter] = tf.grads(loss)([x, filter]);
      return [y, dx as tf.Tensor, dFilter as tf.Tensor];
    });
    expectSameOnBackends(results, 1e-5);
  });

  it.each(CONV_CASES)('conv2dTranspose forward and gradients match cpu: $name', async (c) => {
    const fd = data(c.filter.reduce((a, b) => a * b));
    const outShape = convOutShape(c);
    const yd = data(outShape.reduce((a, b) => a * b));
    const wd = data(c.x.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const y = tf.tensor4d(yd, outShape);
      const filter = tf.tensor4d(fd, c.filter);
      const out = tf.conv2dTranspose(y, filter, c.x, c.strides, c.pad);
      const weights = tf.tensor(wd, c.x);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.strides, c.pad), weights));
      const [dy, dFilter] = tf.grads(loss)([y, filter]);
      return [out, dy as tf.Tensor, dFilter as tf.Tensor];
    });
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    { name: 'dilation 2, same', x: [2, 11, 10, 3], filter: [3, 3, 3, 8], strides: 1, dilations: 2, pad: 'same' as Pad },
    {
      name: 'dilation [2, 1], valid',
      x: [1, 9, 9, 5],
      filter: [2, 3, 5, 4],
      strides: 1,
      dilations: [2, 1],
      pad: 'valid' as Pad,
    },
    // 1 to 3 output channels: tap products, then the sums of the taps that reach each output
    { name: 'one output channel', x: [2, 8, 8, 6], filter: [3, 3, 6, 1], strides: 1, dilations: 1, pad: 'same' as Pad },
    {
      name: 'three output channels, stride 2, odd sizes',
      x: [3, 9, 7, 5],
      filter: [3, 2, 5, 3],
      strides: 2,
      dilations: 1,
      pad: 'same' as Pad,
    },
    {
      name: 'two output channels, dilation 2, valid',
      x: [1, 10, 9, 1],
      filter: [2, 3, 1, 2],
      strides: 1,
      dilations: 2,
      pad: 'valid' as Pad,
    },
    {
      name: 'one output channel, many images (chunks)',
      x: [9, 40, 40, 8],
      filter: [3, 3, 8, 1],
      strides: 1,
      dilations: 1,
      pad: 'same' as Pad,
    },
    // other output widths that are not a multiple of 4: the backend's own kernel
    {
      name: 'one output channel, an image too large for tap products',
      x: [1, 800, 800, 1],
      filter: [5, 5, 1, 1],
      strides: 1,
      dilations: 1,
      pad: 'same' as Pad,
    },
    {
      name: 'an image too large to gather at once',
      x: [1, 1000, 1000, 2],
      filter: [3, 3, 2, 4],
      strides: 1,
      dilations: 1,
      pad: 'same' as Pad,
    },
    {
      name: 'six output channels, stride 2',
      x: [2, 9, 9, 4],
      filter: [3, 3, 4, 6],
      strides: 2,
      dilations: 1,
      pad: 'same' as Pad,
    },
  ])('conv2d forward matches cpu: $name', async (c) => {
    const xd = data(c.x.reduce((a, b) => a * b));
    const fd = data(c.filter.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => [
      tf.conv2d(
        tf.tensor4d(xd, c.x as [number, number, number, number]),
        tf.tensor4d(fd, c.filter as [number, number, number, number]),
        c.strides,
        c.pad,
        'NHWC',
        c.dilations as number | [number, number],
      ),
    ]);
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    { name: "an LSTM cell's gates", shape: [5, 32], splits: 4 as number | number[], axis: 1 },
    { name: 'uneven sizes along a middle axis', shape: [3, 7, 5], splits: [2, 4, 1], axis: 1 },
    { name: 'a size of -1 on the first axis', shape: [6, 3], splits: [1, -1, 2], axis: 0 },
    { name: 'int32, last axis', shape: [4, 6], splits: [3, 3], axis: -1, dtype: 'int32' as const },
    { name: 'an empty piece', shape: [2, 5], splits: [0, 5], axis: 1 },
  ])('split, unstack and concat match cpu: $name', async ({ shape, splits, axis, dtype }) => {
    const xd = data(shape.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const values = tf.tensor(xd, shape);
      const x = dtype === 'int32' ? tf.cast(tf.mul(values, 100), 'int32') : values;
      const pieces = tf.split(x, splits, axis);
      const steps = tf.unstack(x, axis < 0 ? shape.length + axis : axis);
      const back = tf.concat([...pieces].reverse(), axis);
      const stacked = tf.concat(
        steps.map((t) => tf.expandDims(t, 0)),
        0,
      );
      return [...pieces, ...steps, back, stacked].flatMap((t) => [tf.cast(t, 'float32'), tf.tensor1d([...t.shape, 0])]);
    });
    expectSameOnBackends(results, 1e-12); // copies: exact
  });

  it.each([
    // (one image: the cpu backend's gradient reads the wrong rows of dy for later images, see below)
    { name: 'UpSampling2D 2x2, 64 channels', shape: [1, 7, 7, 64], size: [14, 14], halfPixelCenters: false },
    { name: 'factors 3 and 2, 3 channels', shape: [1, 4, 5, 3], size: [12, 10], halfPixelCenters: false },
    { name: 'half-pixel centers, 1 channel', shape: [1, 5, 3, 1], size: [10, 12], halfPixelCenters: true },
    { name: 'factor 1 on one axis', shape: [1, 6, 4, 8], size: [6, 8], halfPixelCenters: false },
    // not whole factors, or alignCorners: the backend's own kernels
    { name: 'a factor of 1.5', shape: [1, 4, 4, 4], size: [6, 6], halfPixelCenters: false },
    { name: 'align corners', shape: [1, 4, 4, 4], size: [8, 8], halfPixelCenters: false, alignCorners: true },
  ])('nearest-neighbour resize and its gradient match cpu: $name', async (c) => {
    const xd = data(c.shape.reduce((a, b) => a * b));
    const outShape = [c.shape[0] as number, ...c.size, c.shape[3] as number];
    const wd = data(outShape.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const x = tf.tensor4d(xd, c.shape as [number, number, number, number]);
      const weights = tf.tensor(wd, outShape);
      const resize = (t: tf.Tensor) =>
        tf.image.resizeNearestNeighbor(
          t as tf.Tensor4D,
          c.size as [number, number],
          c.alignCorners ?? false,
          c.halfPixelCenters,
        );
      const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(resize(t), weights)))([x]);
      return [resize(x), dx as tf.Tensor];
    });
    expectSameOnBackends(results, 1e-6);
  });

  it("the upsampling gradient of a batch is each image's block sums", async () => {
    // tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad offsets dy by the images' batch stride, so
    // it is wrong for every image after the first; the reference here is the definition.
    const [batch, h, w, c, sh, sw] = [3, 4, 5, 6, 2, 3];
    const dyData = data(batch * h * sh * w * sw * c);
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const dx = tf.tidy(() => {
        const x = tf.zeros([batch, h, w, c]) as tf.Tensor4D;
        const dy = tf.tensor4d(dyData, [batch, h * sh, w * sw, c]);
        return tf
          .engine()
          .runKernel('ResizeNearestNeighborGrad', { images: x, dy }, { alignCorners: false }) as tf.Tensor;
      });
      const got = dx.dataSync();
      dx.dispose();
      let worst = 0;
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            for (let k = 0; k < c; k++) {
              let sum = 0;
              for (let a = 0; a < sh; a++) {
                for (let d = 0; d < sw; d++)
                  sum += dyData[((b * h * sh + i * sh + a) * w * sw + j * sw + d) * c + k] as number;
              }
              worst = Math.max(worst, Math.abs((got[((b * h + i) * w + j) * c + k] as number) - sum));
            }
          }
        }
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it.each([
    {
      name: "linear, one output channel (an image decoder's last layer)",
      filter: [3, 3, 6, 1],
      activation: 'linear' as const,
    },
    { name: 'relu, 8 output channels', filter: [3, 3, 6, 8], activation: 'relu' as const },
    // other output widths or activations: the backend's own kernel
    { name: 'linear, 6 output channels', filter: [3, 3, 6, 6], activation: 'linear' as const },
    { name: 'elu, 4 output channels', filter: [3, 3, 6, 4], activation: 'elu' as const },
  ])('fused conv2d (bias, activation) matches cpu: $name', async (c) => {
    const xd = data(2 * 9 * 8 * 6);
    const fd = data(c.filter.reduce((a, b) => a * b));
    const bd = data(c.filter[3] as number);
    const results = await onBackends(BOTH, () => [
      tf.fused.conv2d({
        x: tf.tensor4d(xd, [2, 9, 8, 6]),
        filter: tf.tensor4d(fd, c.filter as [number, number, number, number]),
        strides: 1,
        pad: 'same',
        bias: tf.tensor1d(bd),
        activation: c.activation,
      }),
    ]);
    expectSameOnBackends(results, 1e-5);
  });

  it('GatherV2 picks whole rows like cpu, and leaves other gathers to the original kernel', async () => {
    const xd = data(7 * 5 * 3 * 2);
    const results = await onBackends(BOTH, () => {
      const x = tf.tensor4d(xd, [7, 5, 3, 2]);
      const ints = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [6, 2], 'int32');
      const rows = tf.gather(x, tf.tensor1d([6, 0, 3, 3, 1], 'int32'));
      const one = tf.gather(x, tf.tensor1d([4], 'int32'));
      const nested = tf.gather(x, tf.tensor2d([0, 6, 2, 5], [2, 2], 'int32'));
      const intRows = tf.gather(ints, tf.tensor1d([5, 0, 5], 'int32'));
      const otherAxis = tf.gather(x, tf.tensor1d([2, 0], 'int32'), 1);
      return [rows, one, nested, tf.cast(intRows, 'float32'), otherAxis];
    });
    expectSameOnBackends(results, 1e-7); // copies: exactly equal (relative error 0)
  });

  it('handles channels-first (NCHW) conv2d gradients like cpu', async () => {
    const xd = data(2 * 3 * 7 * 6);
    const fd = data(3 * 3 * 3 * 4);
    const dyd = data(2 * 4 * 4 * 3);
    const results = await onBackends(BOTH, () => {
      const x = tf.tensor4d(xd, [2, 3, 7, 6]);
      const filter = tf.tensor4d(fd, [3, 3, 3, 4]);
      const dy = tf.tensor4d(dyd, [2, 4, 4, 3]);
      const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', dimRoundingMode: undefined };
      const dFilter = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        ...attrs,
        filterShape: [3, 3, 3, 4],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        ...attrs,
        inputShape: [2, 3, 7, 6],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return [dFilter, dx];
    });
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    { name: '2-D', a: [37, 23], b: [23, 19] },
    { name: 'batched', a: [3, 8, 5], b: [3, 5, 6] },
    { name: 'broadcast batch', a: [1, 4, 9], b: [2, 9, 3], noGrads: true },
    { name: 'vector-like', a: [1, 17], b: [17, 1] },
    // a small batch times big weights: computed with the operands swapped and the output transposed
    { name: 'small batch, wide right operand', a: [3, 41], b: [41, 93] },
    { name: 'batch 1, wide right operand', a: [1, 29], b: [29, 67] },
    { name: 'batched, wide right operand', a: [2, 3, 17], b: [2, 17, 31] },
    { name: 'broadcast batch, wide right operand', a: [1, 2, 13], b: [3, 13, 40], noGrads: true },
    // widths that are multiples of 4: our SIMD block functions (row tails, a 4-wide strip, k > 64)
    { name: 'SIMD blocks: row tails, 4-wide strip, long k', a: [7, 133], b: [133, 12] },
    { name: 'SIMD blocks: batched', a: [2, 5, 9], b: [2, 9, 8] },
    { name: 'SIMD blocks: k 1, batch 1', a: [1, 1], b: [1, 16] },
    { name: 'SIMD blocks: a dense layer', a: [16, 96], b: [96, 40] },
    // a · bᵀ with a small batch: (b · aᵀ)ᵀ, transposing the batch and the output, not the weights
    { name: 'SIMD blocks: small batch, big weights', a: [8, 20], b: [20, 44] },
    { name: 'SIMD blocks: small batch, odd depth', a: [4, 13], b: [13, 36] },
  ])('matMul with every transpose combination matches cpu: $name', async ({ a, b, noGrads }) => {
    const ad = data(a.reduce((p, q) => p * q));
    const bd = data(b.reduce((p, q) => p * q));
    const results = await onBackends(BOTH, () => {
      const at = tf.tensor(ad, a);
      const bt = tf.tensor(bd, b);
      const swap = (t: tf.Tensor) => {
        const perm = t.shape.map((_, i) => i);
        perm.push(...perm.splice(-2).reverse());
        return tf.transpose(t, perm);
      };
      return [
        tf.matMul(at, bt),
        tf.matMul(swap(at), bt, true, false),
        tf.matMul(at, swap(bt), false, true),
        tf.matMul(swap(at), swap(bt), true, true),
        // (tfjs-core's matMul gradient does not reduce broadcast batch dimensions, on any backend)
        ...(noGrads ? [] : tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))))([at, bt])),
      ];
    });
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    { name: 'both transposed', m: 6, k: 11, n: 5, transposeA: true, transposeB: true },
    { name: 'small batch, wide weights, Bᵀ', m: 2, k: 11, n: 37, transposeA: false, transposeB: true },
    { name: 'small batch, wide weights, Aᵀ', m: 2, k: 11, n: 37, transposeA: true, transposeB: false },
    // a dense layer's forward pass: computed as (bᵀ · aᵀ)ᵀ, then the bias and relu
    { name: 'small batch, wide weights, untransposed', m: 3, k: 11, n: 37, transposeA: false, transposeB: false },
    { name: 'batch 1, untransposed', m: 1, k: 29, n: 67, transposeA: false, transposeB: false },
    // widths that are multiples of 4: our SIMD block functions, then bias and relu
    { name: 'SIMD blocks, untransposed', m: 5, k: 70, n: 20, transposeA: false, transposeB: false },
    { name: 'SIMD blocks, Aᵀ', m: 3, k: 9, n: 8, transposeA: true, transposeB: false },
    { name: 'SIMD blocks, Bᵀ', m: 6, k: 13, n: 12, transposeA: false, transposeB: true },
    { name: 'SIMD blocks, small batch, big weights, Bᵀ', m: 8, k: 20, n: 40, transposeA: false, transposeB: true },
  ])('fused matMul (bias, activation) with transposed operands matches cpu: $name', async (c) => {
    const ad = data(c.m * c.k);
    const bd = data(c.k * c.n);
    const biasData = data(c.n);
    const results = await onBackends(BOTH, () => {
      const a = tf.tensor2d(ad, c.transposeA ? [c.k, c.m] : [c.m, c.k]);
      const b = tf.tensor2d(bd, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
      const bias = tf.tensor1d(biasData);
      const { transposeA, transposeB } = c;
      const f = (p: tf.Tensor2D, q: tf.Tensor2D) =>
        tf.fused.matMul({ a: p, b: q, transposeA, transposeB, bias, activation: 'relu' });
      return [
        f(a, b),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(f(p as tf.Tensor2D, q as tf.Tensor2D)))([a, b]),
      ];
    });
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    { shape: [5, 4, 3, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [37, 5], axis: 0, keepDims: false },
    { shape: [16, 3], axis: 0, keepDims: false },
    { shape: [5, 4, 3, 6], axis: [0, 1, 2], keepDims: true },
    { shape: [1, 7], axis: 0, keepDims: false },
    { shape: [9, 2, 3], axis: [1, 0], keepDims: false },
    { shape: [4, 5, 6], axis: [1, 2], keepDims: false },
    { shape: [4, 5, 6], axis: [0, 2], keepDims: true },
    { shape: [4, 5, 6], axis: null, keepDims: false },
    // widths that are multiples of 4: the SIMD pass
    { shape: [37, 8], axis: 0, keepDims: false },
    { shape: [3, 5, 7, 12], axis: [0, 1, 2], keepDims: false },
    { shape: [2, 3, 4], axis: [0, 1], keepDims: true },
    { shape: [1, 4], axis: 0, keepDims: false },
    { shape: [3000, 4], axis: 0, keepDims: false },
  ])('sum over $axis of $shape (keepDims $keepDims) matches cpu', async ({ shape, axis, keepDims }) => {
    const xd = data(shape.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const out = tf.sum(tf.tensor(xd, shape), axis ?? undefined, keepDims);
      // the shape travels as data so both backends' shapes are compared too
      return [out, tf.tensor1d(out.shape.length === 0 ? [0] : out.shape)];
    });
    // (a sum of all values goes to the backend's own kernel; float32 rounding differs by ~1e-6)
    expectSameOnBackends(results, 1e-5);
  });

  it.each([
    // SIMD 4×4 blocks: both sizes multiples of 4, 2-D, batched, int32
    { name: '2-D, multiples of 4', shape: [8, 12], perm: [1, 0] },
    { name: 'a batch of MNIST rows', shape: [64, 784], perm: [1, 0] },
    { name: 'batched, last two axes', shape: [3, 4, 8], perm: [0, 2, 1] },
    { name: 'int32', shape: [4, 16], perm: [1, 0], dtype: 'int32' as const },
    // the original kernel: sizes that are not multiples of 4, other permutations, bool
    { name: 'odd sizes', shape: [7, 5], perm: [1, 0] },
    { name: 'one multiple of 4', shape: [8, 6], perm: [1, 0] },
    { name: 'leading axes moved', shape: [4, 8, 4], perm: [1, 0, 2] },
    { name: 'rank 4 reversed', shape: [4, 4, 4, 4], perm: [3, 2, 1, 0] },
    { name: 'bool', shape: [4, 4], perm: [1, 0], dtype: 'bool' as const },
  ])('transpose matches cpu: $name', async ({ shape, perm, dtype }) => {
    const xd = data(shape.reduce((a, b) => a * b));
    const results = await onBackends(BOTH, () => {
      const values = tf.tensor(xd, shape);
      // (a bool from a comparison: wasm's own float32 → bool Cast truncates instead of testing != 0)
      const x =
        dtype === undefined ? values : dtype === 'bool' ? tf.greater(values, 0) : tf.cast(tf.mul(values, 100), dtype);
      const out = tf.transpose(x, perm);
      return [tf.cast(out, 'float32'), tf.tensor1d(out.shape)];
    });
    expectSameOnBackends(results, 1e-12); // a copy: exact
  });

  it('shares buffers for Identity and same-dtype Cast without tying the copies to the original', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const a = tf.tensor1d([1.5, -2, 3]);
      const b = tf.clone(a);
      const c = tf.cast(a, 'float32');
      const d = tf.cast(a, 'int32');
      a.dispose();
      expect(Array.from(b.dataSync())).toEqual([1.5, -2, 3]);
      b.dispose();
      expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
      expect(d.dtype).toBe('int32');
      expect(Array.from(d.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([c, d]);
      const text = tf.tensor1d(['x', 'yz'], 'string');
      const strings = tf.clone(text);
      expect(strings.dataSync()).toEqual(['x', 'yz']);
      tf.dispose([text, strings]);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('Adam (fused into one SIMD kernel per variable on wasm) matches cpu over several steps', async () => {
    // odd sizes leave a tail after the four-lane loop; one variable gets no gradient
    const shapes = [[7, 5], [13], [1], [4, 8], [3, 3, 2, 5]];
    const initial = shapes.map((s) => data(s.reduce((a, b) => a * b, 1)));
    const targets = shapes.map((s) => data(s.reduce((a, b) => a * b, 1)));
    const results = await onBackends(BOTH, () => {
      const variables = shapes.map((s, i) => tf.variable(tf.tensor(initial[i] as Float32Array, s)));
      const optimizer = tf.train.adam(0.05, 0.8, 0.95);
      const used = variables.slice(0, 4);
      const losses: tf.Tensor[] = [];
      for (let step = 0; step < 4; step++) {
        if (step === 2) (optimizer as unknown as { learningRate: number }).learningRate = 0.02; // a schedule changes it between steps
        const loss = optimizer.minimize(
          () =>
            tf.addN(
              used.map((v, i) =>
                tf.sum(tf.square(tf.sub(tf.mul(v, v), tf.tensor(targets[i] as Float32Array, v.shape)))),
              ),
            ) as tf.Scalar,
          true,
          used,
        );
        losses.push(loss as tf.Scalar);
      }
      const state = optimizer as unknown as {
        accumulatedFirstMoment: { variable: tf.Variable }[];
        accumulatedSecondMoment: { variable: tf.Variable }[];
      };
      const moments = [...state.accumulatedFirstMoment, ...state.accumulatedSecondMoment].map((o) =>
        tf.clone(o.variable),
      );
      const out = [...variables.map((v) => tf.clone(v)), ...moments, tf.stack(losses)];
      optimizer.dispose();
      tf.dispose(variables);
      return out;
    });
    expectSameOnBackends(results, 1e-5);
  });

  it('VAEAdam runs Adam as one kernel per variable on wasm, without leaking; stock tfjs Adam keeps its own update', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const stock = tf.train.adam(0.1);
      const w = tf.variable(tf.ones([5, 3]));
      const stockProfile = await tf.profile(() =>
        tf.dispose(stock.minimize(() => tf.sum(tf.square(w)), true, [w]) as tf.Scalar),
      );
      expect(stockProfile.kernelNames).not.toContain('VAEAdamUpdate');
      stock.dispose();
      w.dispose();
      const v = tf.variable(tf.ones([5, 3]));
      const optimizer = new VAEAdam(0.1);
      const step = () => tf.dispose(optimizer.minimize(() => tf.sum(tf.square(v)), true, [v]) as tf.Scalar);
      step();
      const tensors = tf.memory().numTensors;
      const profile = await tf.profile(step);
      expect(profile.kernelNames).toContain('VAEAdamUpdate');
      expect(profile.kernelNames).not.toContain('Sqrt');
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = await optimizer.getWeights();
      expect(weights.map((w) => w.name)).toEqual(['iter', `${v.name}/m`, `${v.name}/v`]);
      optimizer.dispose();
      v.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('the fused Adam kernel explains itself where the wasm memory cannot be reached', () => {
    const backend = { makeOutput: () => ({}) } as never;
    const info = { dataId: {}, shape: [4], dtype: 'float32' } as tf.TensorInfo;
    const call = () =>
      adamUpdate({
        inputs: { value: info, m: info, v: info, gradient: info },
        backend,
        attrs: {
          beta1: 0.9,
          beta2: 0.999,
          learningRate: 1e-3,
          epsilon: 1e-7,
          oneMinusAccBeta1: 0.1,
          oneMinusAccBeta2: 0.001,
        },
      });
    expect(call).toThrow(BackendError);
    expect(call).toThrow(/VAEAdamUpdate: this wasm backend's memory cannot be shared with the SIMD update/);
  });

  it('releases every intermediate it makes on the wasm heap', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const backend = tf.backend() as unknown as { numDataIds(): number };
      const run = () =>
        tf.tidy(() => {
          const x = tf.ones([2, 9, 7, 3]);
          const f = tf.ones([3, 3, 3, 5]);
          const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')),
          )([x, f]);
          const t = tf.conv2dTranspose(tf.ones([2, 5, 4, 5]) as tf.Tensor4D, f as tf.Tensor4D, [2, 9, 7, 3], 2, 'same');
          const m = tf.matMul(tf.ones([4, 3]), tf.ones([5, 4]), true, true);
          const swapped = tf.add(tf.matMul(tf.ones([2, 8]), tf.ones([30, 8]), false, true), 0);
          const swappedA = tf.matMul(tf.ones([8, 2]), tf.ones([8, 30]), true, false);
          const flipped = tf.transpose(tf.ones([2, 8, 12]), [0, 2, 1]);
          const blocks = tf.matMul(tf.ones([5, 7]), tf.ones([12, 7]), false, true);
          const conv = tf.conv2d(tf.ones([2, 6, 6, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 8]) as tf.Tensor4D, 1, 'same');
          const gray = tf.conv2d(tf.ones([2, 6, 6, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 1]) as tf.Tensor4D, 2, 'same');
          const dense = tf.fused.matMul({
            a: tf.ones([2, 8]),
            b: tf.ones([8, 30]),
            bias: tf.ones([30]),
            activation: 'relu',
          });
          const bias = tf.sum(t, [0, 1, 2]);
          return tf.addN(
            [
              dx,
              df,
              t,
              bias,
              m,
              swapped,
              swappedA,
              dense,
              flipped,
              blocks,
              conv,
              gray,
              tf.sum(conv, [0, 1, 2]),
              ...tf.split(blocks, [4, 8], 1),
              ...tf.unstack(blocks),
              tf.concat([blocks, blocks], 1),
              tf.image.resizeNearestNeighbor(conv as tf.Tensor4D, [12, 12]),
              tf.fused.conv2d({
                x: conv as tf.Tensor4D,
                filter: tf.ones([3, 3, 8, 1]) as tf.Tensor4D,
                strides: 1,
                pad: 'same',
                bias: tf.ones([1]),
              }),
              ...tf.grads((v: tf.Tensor) => tf.sum(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [12, 12])))([conv]),
            ].map((v) => tf.sum(v as tf.Tensor)),
          );
        });
      tf.dispose(run());
      const tensors = tf.memory().numTensors;
      const dataIds = backend.numDataIds();
      tf.dispose(run());
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backend.numDataIds()).toBe(dataIds);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
