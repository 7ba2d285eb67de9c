import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededUniform } from '../../test/reference-models.js';
import { registerCpuKernelFixes } from './cpu-fixes.js';

const random = seededUniform(3);
type Func = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;

let stock: Func;
beforeAll(async () => {
  await tf.setBackend('cpu');
  stock = tf.getKernel('ResizeNearestNeighborGrad', 'cpu')?.kernelFunc as unknown as Func;
  registerCpuKernelFixes();
});

/** The gradient from `kernel` for one batch, as an array. */
function gradient(kernel: Func, images: tf.Tensor, dy: tf.Tensor, attrs: object): Float32Array {
  const out = kernel({ inputs: { images, dy }, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
  const t = tf.engine().makeTensorFromTensorInfo(out);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

const CASES = [
  { name: 'whole factor 2', size: [3, 4], newSize: [6, 8], alignCorners: false, halfPixelCenters: false },
  {
    name: 'factor 1.5, half-pixel centers',
    size: [4, 4],
    newSize: [6, 6],
    alignCorners: false,
    halfPixelCenters: true,
  },
  { name: 'align corners', size: [4, 5], newSize: [7, 9], alignCorners: true, halfPixelCenters: false },
  { name: 'downsampling', size: [8, 6], newSize: [3, 4], alignCorners: false, halfPixelCenters: false },
];

describe('cpu kernel fixes', () => {
  it.each(CASES)(
    'ResizeNearestNeighborGrad is the adjoint of the resize, image by image: $name',
    ({ size, newSize, alignCorners, halfPixelCenters }) => {
      const [h, w] = size as [number, number];
      const [nh, nw] = newSize as [number, number];
      const [batch, c] = [3, 2];
      const attrs = { alignCorners, halfPixelCenters, size: newSize };
      const fixed = tf.getKernel('ResizeNearestNeighborGrad', 'cpu')?.kernelFunc as unknown as Func;
      const x = tf.tensor4d(random(batch * h * w * c), [batch, h, w, c]);
      const dy = tf.tensor4d(random(batch * nh * nw * c), [batch, nh, nw, c]);
      const dx = gradient(fixed, x, dy, attrs);
      // <resize(x), dy> = <x, dx> for each image: dx is exactly the gradient of the resize.
      const y = tf.image.resizeNearestNeighbor(x, [nh, nw], alignCorners, halfPixelCenters);
      const [yv, dyv, xv] = [y.dataSync(), dy.dataSync(), x.dataSync()];
      for (let b = 0; b < batch; b++) {
        let forward = 0;
        for (let i = b * nh * nw * c; i < (b + 1) * nh * nw * c; i++) forward += (yv[i] as number) * (dyv[i] as number);
        let backward = 0;
        for (let i = b * h * w * c; i < (b + 1) * h * w * c; i++) backward += (xv[i] as number) * (dx[i] as number);
        expect(backward).toBeCloseTo(forward, 4);
      }
      if (!halfPixelCenters) {
        // tfjs's own kernel ignores halfPixelCenters; without it, it agrees with ours on one image.
        const first = tf.slice(dy, [0, 0, 0, 0], [1, nh, nw, c]);
        const one = tf.zeros([1, h, w, c]);
        const theirs = gradient(stock, one, first, attrs);
        for (let i = 0; i < theirs.length; i++) expect(dx[i]).toBeCloseTo(theirs[i] as number, 5);
        tf.dispose([first, one]);
      }
      tf.dispose([x, dy, y]);
    },
  );

  it('is what tf.grads of a batched upsampling uses on cpu, and it is installed once', async () => {
    registerCpuKernelFixes();
    const x = tf.tensor4d(random(2 * 2 * 2 * 1), [2, 2, 2, 1]);
    const [dx] = tf.grads((t: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [4, 4]), tf.reshape(tf.range(0, 32), [2, 4, 4, 1])),
      ),
    )([x]);
    // image 1, pixel (0, 0): dy values 16, 17, 20, 21
    expect((dx as tf.Tensor).dataSync()[4]).toBe(16 + 17 + 20 + 21);
    tf.dispose([x, dx as tf.Tensor]);
  });
});
