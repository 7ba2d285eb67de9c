import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type ResumeState } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { decodeOptimizerState } from './optimizer-state.js';

/** A checkpoint's resume state after 3 Adam steps on one variable of 2 values, saved under `className`. */
async function resumeOf(className: string): Promise<ResumeState> {
  const named = [
    { name: 'iter', tensor: tf.scalar(3, 'int32') },
    { name: 'w/m', tensor: tf.tensor1d([0.5, -0.25]) },
    { name: 'w/v', tensor: tf.tensor1d([0.125, 2]) },
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  return {
    state: {
      kind: 'vae-checkpoint',
      version: 2,
      epoch: 1,
      step: 3,
      seed: 1,
      history: [],
      optimizer: { className, config: { learningRate: 0.001 }, weightSpecs: specs },
    },
    optimizerWeights: new Uint8Array(data),
  } as ResumeState;
}

describe('decodeOptimizerState', () => {
  it("reads Adam state saved as tfjs Adam, as VAEAdam, and under VAEAdam's former name VaeAdam", async () => {
    const w = tf.variable(tf.zeros([2]));
    for (const className of ['Adam', 'VAEAdam', 'VaeAdam']) {
      const decoded = decodeOptimizerState(await resumeOf(className), [w], 'test');
      expect(decoded.iterations).toBe(3);
      expect(decoded.slots.map((s) => [s.suffix, Array.from(s.values[0]!)])).toEqual([
        ['/m', [0.5, -0.25]],
        ['/v', [0.125, 2]],
      ]);
    }
    w.dispose();
  });

  it('refuses the state of another optimizer, naming it', async () => {
    const w = tf.variable(tf.zeros([2]));
    const decode = async () => decodeOptimizerState(await resumeOf('SGD'), [w], 'test');
    await expect(decode()).rejects.toThrow(ConfigError);
    await expect(decode()).rejects.toThrow(/the checkpoint's optimizer is SGD; the worker engine trains with Adam/);
    w.dispose();
  });
});
