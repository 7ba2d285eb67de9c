import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeError } from '@vae/core';
import { expectNoTensorLeak, expectTensorClose } from '@vae/core/test';
import { describe, expect, it } from 'vitest';
import { LabelConditioning, labelConditioning } from './label-conditioning.js';

describe('LabelConditioning', () => {
  it('appends a one-hot code to flat inputs, from ids [batch], ids [batch, 1] or one-hot', () => {
    const x = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    const expected = [
      [5, 6, 0, 1, 0],
      [7, 8, 0, 0, 1],
    ];
    const layer = labelConditioning({ numClasses: 3 });
    expectTensorClose(layer.apply([x, tf.tensor1d([1, 2], 'int32')]) as tf.Tensor, expected);
    expectTensorClose(layer.apply([x, tf.tensor2d([[1], [2]])]) as tf.Tensor, expected);
    expectTensorClose(
      layer.apply([
        x,
        tf.tensor2d([
          [0, 1, 0],
          [0, 0, 1],
        ]),
      ]) as tf.Tensor,
      expected,
    );
  });

  it('tiles the code over height and width of spatial inputs', () => {
    const x = tf.fill([2, 2, 3, 1], 9);
    const out = labelConditioning({ numClasses: 2 }).apply([x, tf.tensor1d([0, 1], 'int32')]) as tf.Tensor;
    expect(out.shape).toEqual([2, 2, 3, 3]);
    const rows = out.arraySync() as number[][][][];
    for (const row of rows[0]!) for (const px of row) expect(px).toEqual([9, 1, 0]);
    for (const row of rows[1]!) for (const px of row) expect(px).toEqual([9, 0, 1]);
  });

  it('computes its output shape symbolically', () => {
    const layer = labelConditioning({ numClasses: 10 });
    const img = layer.apply([tfl.input({ shape: [8, 8, 3] }), tfl.input({ shape: [] })]) as tfl.SymbolicTensor;
    expect(img.shape).toEqual([null, 8, 8, 13]);
    const flat = labelConditioning({ numClasses: 10 }).apply([
      tfl.input({ shape: [4] }),
      tfl.input({ shape: [10] }),
    ]) as tfl.SymbolicTensor;
    expect(flat.shape).toEqual([null, 14]);
    expect(
      layer.computeOutputShape([
        [2, 5],
        [2, 1],
      ]),
    ).toEqual([2, 15]);
  });

  it('works inside a conditional model fed with class ids', () => {
    const z = tfl.input({ shape: [2] });
    const label = tfl.input({ shape: [1] });
    const h = labelConditioning({ numClasses: 4 }).apply([z, label]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [z, label], outputs: h });
    const out = model.predict([tf.tensor2d([[0.5, -0.5]]), tf.tensor2d([[3]])]) as tf.Tensor;
    expectTensorClose(out, [[0.5, -0.5, 0, 0, 0, 1]]);
  });

  it('round-trips its config', () => {
    const layer = new LabelConditioning({ numClasses: 7, name: 'cond' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ numClasses: 7, name: 'cond' });
    const copy = LabelConditioning.fromConfig(LabelConditioning, config) as LabelConditioning;
    expect(copy.numClasses).toBe(7);
    expect(copy.getConfig()).toEqual(config);
    expect(LabelConditioning.className).toBe('VaeLabelConditioning');
  });

  it('rejects bad arguments and inputs with what to pass', () => {
    expect(() => labelConditioning({ numClasses: 1 })).toThrow(ConfigError);
    expect(() => labelConditioning({ numClasses: 1 })).toThrow(/numClasses must be an integer >= 2, got 1/);
    const layer = labelConditioning({ numClasses: 3 });
    expect(() => layer.apply([tf.zeros([2, 4]), tf.zeros([2, 5])])).toThrow(ShapeError);
    expect(() => layer.apply([tf.zeros([2, 4]), tf.zeros([2, 5])])).toThrow(
      /label must be class ids \[batch\] or \[batch, 1\], or one-hot \[batch, 3\], got \[2, 5\]/,
    );
    expect(() => layer.apply(tf.zeros([2, 4]))).toThrow(/expected two inputs \[x, label\]/);
    expect(() => layer.apply([tf.zeros([2]), tf.zeros([2])])).toThrow(/x must have a batch axis and at least one more/);
  });

  it('leaks no tensors', async () => {
    const layer = labelConditioning({ numClasses: 3 });
    const x = tf.zeros([2, 4, 4, 1]);
    const ids = tf.tensor1d([0, 2], 'int32');
    await expectNoTensorLeak(() => layer.apply([x, ids]));
    const flat = tf.zeros([2, 3]);
    const oneHot = tf.oneHot(ids, 3);
    await expectNoTensorLeak(() => layer.apply([flat, oneHot]));
  });
});
