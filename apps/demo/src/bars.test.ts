import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { makeBars, trainBarsVae } from './bars.js';

describe('bars demo', () => {
  it('makes one bar per image', () => {
    const x = makeBars(16);
    const sums = tf.sum(x, 1);
    expect(sums.arraySync()).toEqual(new Array(16).fill(8));
    tf.dispose([x, sums]);
  });

  it('trains: the loss falls and no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const run = await trainBarsVae(150, 50);
    expect(run.losses[run.losses.length - 1]).toBeLessThan((run.losses[0] ?? 0) * 0.7);
    expect(tf.memory().numTensors).toBe(before);
  });
});
