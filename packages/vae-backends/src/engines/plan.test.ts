import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  buildVAE,
  ConfigError,
  type VAE,
} from '@vae/core';
import { afterAll, describe, expect, it } from 'vitest';
import { planTraining } from './plan.js';

const models: VAE[] = [];
function keep<T extends VAE>(vae: T): T {
  models.push(vae);
  return vae;
}
afterAll(() => {
  for (const m of models) m.dispose();
});

const mlp = () => keep(buildMlpVAE({ inputShape: [12], hiddenUnits: [6], latentDim: 2 }));
const onWasm = { backend: 'wasm', batchSize: 128, cores: 2 } as const;

describe('planTraining', () => {
  it('puts MLP VAEs the fused step runs on two wasm workers, and MLPs it cannot run in-thread, saying why', () => {
    const plan = planTraining(mlp(), onWasm);
    expect(plan).toMatchObject({ engine: 'workers', workers: 2, strategy: 'fused-mlp', backend: 'wasm' });
    expect(plan.reasons[0]).toMatch(/an MLP VAE trains fastest on 2 workers with the fused MLP step/);
    const conditional = keep(buildConditionalVAE({ inputShape: [12], numClasses: 3, hiddenUnits: [6], latentDim: 2 }));
    expect(planTraining(conditional, onWasm).strategy).toBe('fused-mlp');
    const dropout = keep(buildMlpVAE({ inputShape: [12], hiddenUnits: [6], latentDim: 2, dropout: 0.2 }));
    const inThread = planTraining(dropout, onWasm);
    expect(inThread).toMatchObject({ engine: 'in-thread', workers: 1, strategy: undefined });
    expect(inThread.reasons[0]).toMatch(
      /runs no dropout \(dropout 0.2\), and MLPs on tfjs-autodiff replicas measure no faster than one thread/,
    );
  });

  it('puts conv and LSTM VAEs on two workers with tfjs-autodiff replicas', () => {
    const conv = keep(buildConvVAE({ inputShape: [8, 8, 1], filters: [2], denseUnits: 4, latentDim: 2 }));
    const lstm = keep(buildLstmVAE({ inputShape: [4, 3], units: 3, decoderUnits: [3], latentDim: 2 }));
    const conditionalConv = keep(
      buildConditionalVAE({ variant: 'conv', inputShape: [8, 8, 1], numClasses: 2, filters: [2], latentDim: 2 }),
    );
    for (const vae of [conv, lstm, conditionalConv]) {
      expect(planTraining(vae, onWasm)).toMatchObject({ engine: 'workers', workers: 2, strategy: 'autodiff' });
    }
    expect(planTraining(lstm, onWasm).reasons[0]).toMatch(/an LSTM VAE trains faster on 2 workers/);
  });

  it('trains in-thread, with the reason, on one core, small batches, other backends, and models the workers cannot rebuild', () => {
    expect(planTraining(mlp(), { ...onWasm, cores: 1 }).reasons).toEqual([
      'this machine has one core: training in-thread',
    ]);
    expect(planTraining(mlp(), { ...onWasm, batchSize: 32 }).reasons[0]).toMatch(
      /batches of 32 rows: below 64 rows the workers' per-step round trip outweighs their gain/,
    );
    expect(planTraining(mlp(), { ...onWasm, backend: 'cpu' }).reasons[0]).toBe(
      'the workers train on wasm, not cpu: training in-thread on cpu',
    );
    expect(planTraining(mlp(), { ...onWasm, backend: 'node' }).reasons[0]).toMatch(
      /native TensorFlow uses every core by itself/,
    );
    const w = tf.variable(tf.zeros([12, 4]));
    const decoder = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 12 })] });
    const functionEncoder = keep(
      buildVAE({
        encoder: (x: tf.Tensor) => {
          const h = tf.matMul(x as tf.Tensor2D, w);
          return { mean: tf.slice(h, [0, 0], [-1, 2]), logVar: tf.slice(h, [0, 2], [-1, 2]) };
        },
        decoder,
        inputShape: [12],
        latentDim: 2,
        variables: [w],
      }),
    );
    expect(planTraining(functionEncoder, onWasm).reasons[0]).toBe(
      'the encoder is a function, which the workers cannot rebuild: training in-thread',
    );
    const custom = keep(
      buildVAE({
        encoder: [tfl.layers.dense({ units: 6, activation: 'relu' })],
        decoder: [tfl.layers.dense({ units: 12 })],
        inputShape: [12],
        latentDim: 2,
      }),
    );
    expect(planTraining(custom, onWasm).reasons[0]).toMatch(/custom networks are not measured/);
    const freeBits = keep(
      buildConvVAE({ inputShape: [8, 8, 1], filters: [2], denseUnits: 4, latentDim: 2, freeBits: 0.5 }),
    );
    expect(planTraining(freeBits, onWasm).reasons[0]).toMatch(
      /free bits \(freeBits 0.5\) floor each latent dimension's KL averaged over the whole batch.*: training in-thread/,
    );
    expect(() => planTraining(freeBits, { ...onWasm, workers: 2 })).toThrow(/2 workers were asked for, but free bits/);
  });

  it('trains a run too short to repay starting the workers in-thread, by kind of model', () => {
    const conv = keep(buildConvVAE({ inputShape: [8, 8, 1], filters: [2], denseUnits: 4, latentDim: 2 }));
    expect(planTraining(mlp(), { ...onWasm, steps: 199 }).reasons[0]).toMatch(
      /a run of 199 steps: starting the workers \(1 to 2 s\) pays off from about 200 steps for an MLP VAE/,
    );
    expect(planTraining(mlp(), { ...onWasm, steps: 200 }).engine).toBe('workers');
    expect(planTraining(conv, { ...onWasm, steps: 24 }).engine).toBe('in-thread');
    expect(planTraining(conv, { ...onWasm, steps: 25 }).engine).toBe('workers');
    const upsample = keep(
      buildConvVAE({ inputShape: [8, 8, 1], filters: [2], denseUnits: 4, latentDim: 2, decoderKind: 'upsample' }),
    );
    expect(planTraining(upsample, { ...onWasm, steps: 5 }).reasons[0]).toMatch(
      /from about 6 steps for an upsampling conv VAE/,
    );
    expect(planTraining(upsample, { ...onWasm, steps: 6 }).engine).toBe('workers');
  });

  it('follows a worker count the caller insists on, and refuses more than one off wasm', () => {
    expect(planTraining(mlp(), { ...onWasm, workers: 1 })).toMatchObject({ engine: 'in-thread', workers: 1 });
    const dropout = keep(buildMlpVAE({ inputShape: [12], hiddenUnits: [6], latentDim: 2, dropout: 0.1 }));
    expect(planTraining(dropout, { ...onWasm, batchSize: 8, workers: 3 })).toMatchObject({
      engine: 'workers',
      workers: 3,
      strategy: 'autodiff',
    });
    const error = (() => {
      try {
        planTraining(mlp(), { ...onWasm, backend: 'cpu', workers: 2 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/2 workers need the wasm backend, but training runs on cpu/);
    expect(() => planTraining(mlp(), { workers: 0 })).toThrow(/workers must be a positive integer, got 0/);
  });
});
