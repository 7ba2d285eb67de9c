import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ConfigError } from '../errors/index.js';
import type { VAE } from '../models/vae.js';
import { expectNoTensorLeak } from '../testing/index.js';
import type { EpochLogs } from '../training/logs.js';
import { layersCallbacks } from './layers-callbacks.js';

const x = tf.randomUniform([32, 12], 0, 1, 'float32', 5);
afterAll(() => x.dispose());
const build = (): VAE => buildMlpVAE({ inputShape: [12], hiddenUnits: [8], latentDim: 2, seed: 2 });

type Logs = Record<string, number>;

/** The Keras names an epoch's logs must carry, read from the history independently of the adapter. */
function expectedEpochLogs(e: EpochLogs): Logs {
  const out: Logs = {
    loss: e.loss,
    reconstruction: e.reconstruction,
    kl: e.kl,
    kl_weight: e.klWeight,
    beta: e.beta,
    learning_rate: e.learningRate,
    seconds: e.seconds,
  };
  if (e.valLoss !== undefined) out.val_loss = e.valLoss;
  if (e.valReconstruction !== undefined) out.val_reconstruction = e.valReconstruction;
  if (e.valKl !== undefined) out.val_kl = e.valKl;
  return out;
}

/**
 * An object shaped exactly like what tfjs-vis' `show.fitCallbacks(container, metrics, opts)`
 * returns (tfjs-vis/src/show/history.ts): one async `(iteration, log) => Promise<void>` per name
 * in `opts.callbacks` (default `['onEpochEnd', 'onBatchEnd']`); each call keeps, per callback and
 * metric, `{ [metric]: log[metric] }` for every metric whose `log[metric] != null`, then redraws
 * and awaits the next frame. Here the accumulators are returned instead of drawn.
 */
function fitCallbacksLike(metrics: string[], callbackNames = ['onEpochEnd', 'onBatchEnd']) {
  const accumulators: Record<string, Record<string, Logs[]>> = {};
  const callbacks: Record<string, (iteration: number, log: Logs) => Promise<void>> = {};
  for (const name of callbackNames) {
    callbacks[name] = async (_iteration: number, log: Logs) => {
      for (const metric of metrics) {
        if (log[metric] != null) {
          accumulators[name] ??= {};
          const byMetric = accumulators[name];
          byMetric[metric] ??= [];
          byMetric[metric].push({ [metric]: log[metric] as number });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
  }
  return { callbacks, accumulators };
}

describe('a tfjs-layers CustomCallback watches vae.fit', () => {
  it('gets every hook in tfjs-layers order with Keras-named numeric logs', async () => {
    const calls: Array<[string, number | undefined, Logs | undefined]> = [];
    const record =
      (hook: string) =>
      (a?: number | Logs, b?: Logs): void => {
        if (typeof a === 'number') calls.push([hook, a, b ? { ...b } : b]);
        else calls.push([hook, undefined, a ? { ...a } : a]);
      };
    const custom = new tfl.CustomCallback({
      onTrainBegin: record('onTrainBegin'),
      onEpochBegin: record('onEpochBegin'),
      onBatchBegin: record('onBatchBegin'),
      onBatchEnd: record('onBatchEnd'),
      onEpochEnd: record('onEpochEnd'),
      onTrainEnd: record('onTrainEnd'),
    });
    const vae = build();
    // 24 training examples in batches of 8: three batches per epoch; the loss is read back after each.
    const history = await vae.fit(x, {
      epochs: 2,
      batchSize: 8,
      seed: 1,
      validationSplit: 0.25,
      logInterval: 1,
      verbose: 0,
      callbacks: [layersCallbacks(custom)],
    });
    vae.dispose();
    expect(calls.map(([hook, i]) => (i === undefined ? hook : `${hook}(${i})`))).toEqual([
      'onTrainBegin',
      ...[0, 1].flatMap((e) => [
        `onEpochBegin(${e})`,
        ...[0, 1, 2].flatMap((b) => [`onBatchBegin(${b})`, `onBatchEnd(${b})`]),
        `onEpochEnd(${e})`,
      ]),
      'onTrainEnd',
    ]);
    const epochEnds = calls.filter(([hook]) => hook === 'onEpochEnd').map(([, , logs]) => logs);
    expect(epochEnds).toEqual(history.epochs.map(expectedEpochLogs));
    expect(Object.keys(epochEnds[0] ?? {})).toContain('val_loss');
    for (const [, , logs] of calls) {
      for (const value of Object.values(logs ?? {})) expect(Number.isFinite(value)).toBe(true);
    }
    expect(calls.find(([hook]) => hook === 'onBatchBegin')?.[2]).toEqual({ batch: 0, size: 8 });
    const batchEnd = calls.find(([hook]) => hook === 'onBatchEnd')?.[2] ?? {};
    expect(Object.keys(batchEnd).sort()).toEqual(
      ['batch', 'size', 'loss', 'reconstruction', 'kl', 'kl_weight', 'learning_rate'].sort(),
    );
    // Three batches of 8 make an epoch: its loss is the mean of the three batch losses.
    const epochBatches = calls.filter(([hook]) => hook === 'onBatchEnd').slice(3, 6);
    const mean = epochBatches.reduce((s, [, , logs]) => s + (logs?.loss ?? 0), 0) / 3;
    expect(mean).toBeCloseTo(history.epochs[1]?.loss ?? Number.NaN, 4);
    expect(calls.at(-1)?.[2]).toEqual(expectedEpochLogs(history.epochs[1] as EpochLogs));
    expect(calls[0]?.[2]).toEqual({});
  });

  it('leaves the loss terms out of batch logs until the first read-back of an epoch', async () => {
    const batchLogs: Logs[] = [];
    const vae = build();
    await vae.fit(x, {
      epochs: 1,
      batchSize: 8,
      logInterval: 2,
      verbose: 0,
      callbacks: [
        layersCallbacks(new tfl.CustomCallback({ onBatchEnd: (_b, logs) => void batchLogs.push({ ...logs }) })),
      ],
    });
    vae.dispose();
    expect(batchLogs.map((l) => 'loss' in l)).toEqual([false, true, true, true]);
    // Between read-backs the last interval's means repeat.
    expect(batchLogs[2]?.loss).toBe(batchLogs[1]?.loss);
    expect(batchLogs[3]?.loss).not.toBe(batchLogs[2]?.loss);
  });
});

describe('tfjs-vis fitCallbacks plug in through the adapter', () => {
  it('accumulates loss and val_loss per epoch, and the batch loss at each read-back', async () => {
    const { callbacks, accumulators } = fitCallbacksLike(['loss', 'val_loss', 'kl', 'val_kl']);
    const vae = build();
    const history = await vae.fit(x, {
      epochs: 3,
      batchSize: 8,
      seed: 2,
      validationSplit: 0.25,
      logInterval: 1,
      verbose: 0,
      callbacks: [layersCallbacks(callbacks)],
    });
    vae.dispose();
    const onEpochEnd = accumulators.onEpochEnd ?? {};
    expect(Object.keys(onEpochEnd).sort()).toEqual(['kl', 'loss', 'val_kl', 'val_loss']);
    expect(onEpochEnd.loss).toEqual(history.epochs.map((e) => ({ loss: e.loss })));
    expect(onEpochEnd.val_loss).toEqual(history.epochs.map((e) => ({ val_loss: e.valLoss })));
    // Batch logs have no validation terms; one loss point per batch with logInterval 1.
    expect(Object.keys(accumulators.onBatchEnd ?? {}).sort()).toEqual(['kl', 'loss']);
    expect(accumulators.onBatchEnd?.loss).toHaveLength(9);
  });

  it('plots only what is logged: no val_loss without validation data', async () => {
    const { callbacks, accumulators } = fitCallbacksLike(['loss', 'val_loss'], ['onEpochEnd']);
    const vae = build();
    await vae.fit(x, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [layersCallbacks(callbacks)] });
    vae.dispose();
    expect(Object.keys(accumulators.onEpochEnd ?? {})).toEqual(['loss']);
    expect(accumulators.onEpochEnd?.loss).toHaveLength(2);
  });
});

describe('tf.Callback subclasses', () => {
  it('get setParams, and stop fit through model.stopTraining as tf.callbacks.earlyStopping does', async () => {
    const seen: Array<Record<string, unknown>> = [];
    class ParamsRecorder extends tfl.Callback {
      override setParams(params: Record<string, never>): void {
        seen.push({ ...params });
      }
    }
    // Nothing counts as an improvement by 1e9 nats: the epoch after the first one stops training.
    const stopper = tfl.callbacks.earlyStopping({ monitor: 'val_loss', minDelta: 1e9, patience: 1 });
    const vae = build();
    const history = await vae.fit(x, {
      epochs: 10,
      batchSize: 8,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [layersCallbacks([new ParamsRecorder(), stopper])],
    });
    vae.dispose();
    expect(seen).toEqual([{ epochs: 10, initialEpoch: 0, verbose: 0 }]);
    expect(history.epochs).toHaveLength(2);
    expect(history.stopReason).toBe('callback');
  });
});

describe('layersCallbacks refuses what is not a callback', () => {
  it.each([
    [42, 'callbacks[0] has none of the hooks'],
    [{}, 'callbacks[0] has none of the hooks'],
    [{ onEpochEnd: 'soon' }, 'callbacks[0].onEpochEnd must be a function, got string'],
  ])('%j', (value, message) => {
    const call = () => layersCallbacks(value as never);
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(message);
  });

  it('names the position in an array and says what to pass', () => {
    expect(() => layersCallbacks([{ onEpochEnd: async () => undefined }, null as never])).toThrow(
      /layersCallbacks: callbacks\[1\] has none of the hooks .*\(got null\)\. Pass what tfvis\.show\.fitCallbacks/,
    );
  });
});

describe('memory', () => {
  it('leaves no tensors behind across fit calls with the adapter', async () => {
    const vae = build();
    const { callbacks } = fitCallbacksLike(['loss', 'val_loss']);
    const custom = new tfl.CustomCallback({ onEpochEnd: () => undefined });
    await expectNoTensorLeak(async () => {
      await vae.fit(x, {
        epochs: 1,
        batchSize: 8,
        validationSplit: 0.25,
        verbose: 0,
        callbacks: [layersCallbacks([callbacks, custom])],
      });
    });
    vae.dispose();
  });
});
