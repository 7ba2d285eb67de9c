import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors/index.js';
import type { Callback, TrainingContext } from '../training/callbacks.js';
import { type KerasLogs, kerasBatchLogs, kerasEpochLogs } from './keras-logs.js';

/**
 * A callback written for `tf.LayersModel.fit`: a plain object of hooks (what
 * `tfvis.show.fitCallbacks(...)` returns), a `tf.CustomCallback`, or an instance of a
 * `tf.Callback` subclass. Every hook is optional and may be async.
 *
 * @category Logging
 */
export interface LayersCallbackLike {
  /** Training parameters: `{ epochs, initialEpoch, verbose }` (class form only). */
  setParams?(params: Record<string, number | string | boolean>): void;
  /** Before the first batch, with empty logs. */
  onTrainBegin?(logs?: KerasLogs): unknown;
  /** Before each epoch, with empty logs. */
  onEpochBegin?(epoch: number, logs?: KerasLogs): unknown;
  /** Before each step, with `{ batch, size }`. */
  onBatchBegin?(batch: number, logs?: KerasLogs): unknown;
  /** After each step, with `batch`, `size` and the logged values. */
  onBatchEnd?(batch: number, logs?: KerasLogs): unknown;
  /** After each epoch and its validation, with the epoch's logged values. */
  onEpochEnd?(epoch: number, logs?: KerasLogs): unknown;
  /** After training, with the last epoch's logs (empty when no epoch ended). */
  onTrainEnd?(logs?: KerasLogs): unknown;
}

/** The hooks of tfjs-layers' callbacks, in the order the loop calls them. */
const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** What `tf.Callback#model` holds while our loop runs: enough for `this.model.stopTraining = true`. */
interface ModelStandIn {
  stopTraining: boolean;
}

/** A callback in tfjs-layers' class form: what the adapter calls. */
type LayersCallbackInstance = LayersCallbackLike & { model?: unknown };

/**
 * One callback as `tf.LayersModel.fit` takes it: instances (anything with `setParams`, as every
 * `tf.Callback` and `tf.CustomCallback` has) as they are, plain objects of hooks wrapped in
 * `tf.CustomCallback`, as tfjs-layers' own `standardizeCallbacks` does.
 */
function standardize(value: unknown, index: number): LayersCallbackInstance {
  const at = `callbacks[${index}]`;
  const record = value as Record<string, unknown> | null;
  const hooks = typeof record === 'object' && record !== null ? HOOKS.filter((h) => h in record) : [];
  if (hooks.length === 0) {
    throw new ConfigError(
      `layersCallbacks: ${at} has none of the hooks ${HOOKS.join(', ')} (got ${record === null ? 'null' : typeof record}). Pass what tfvis.show.fitCallbacks(...) returns, a tf.CustomCallback, or a tf.Callback subclass instance.`,
      { field: at, expected: 'a tfjs-layers callback', got: value },
    );
  }
  for (const hook of hooks) {
    if (typeof record?.[hook] !== 'function' && record?.[hook] !== undefined) {
      throw new ConfigError(`layersCallbacks: ${at}.${hook} must be a function, got ${typeof record?.[hook]}.`, {
        field: `${at}.${hook}`,
        expected: 'a function',
        got: record?.[hook],
      });
    }
  }
  if (typeof record?.setParams === 'function') return value as LayersCallbackInstance;
  return new tfl.CustomCallback(value as tfl.CustomCallbackArgs) as unknown as LayersCallbackInstance;
}

/**
 * Lets callbacks written for `tf.LayersModel.fit` watch `vae.fit`: `tfvis.show.fitCallbacks(...)`
 * (live loss charts in the tfjs-vis visor), a `tf.CustomCallback`, a `tf.Callback` subclass, or
 * an array of them, called in order.
 *
 * They get tfjs-layers' arguments with Keras names, numbers only:
 * - `onEpochEnd(epoch, logs)`: `loss`, `reconstruction`, `kl`, `kl_weight`, `beta`,
 *   `learning_rate`, `seconds`, and with validation data `val_loss`, `val_reconstruction`,
 *   `val_kl` (in nats per example). So `tfvis.show.fitCallbacks(surface, ['loss', 'val_loss'])`
 *   draws the training and validation loss on one chart, as for a Keras model.
 * - `onBatchBegin(batch, { batch, size })` before each step, and `onBatchEnd(batch, logs)` after
 *   it with `batch`, `size`, `kl_weight`, `learning_rate` and the loss terms `loss`,
 *   `reconstruction`, `kl`. `fit` reads losses back from the device once per `logInterval`
 *   batches (default 20), so these are the last interval's means, repeated until the next
 *   read-back and absent before the first one of each epoch; pass `logInterval: 1` to `fit` for
 *   every batch's own loss (slower on a GPU).
 * - `onTrainBegin({})`, `onEpochBegin(epoch, {})`, and `onTrainEnd(logs)` with the last
 *   epoch's logs, as Keras does.
 *
 * Plain objects are wrapped in `tf.CustomCallback`, as `tf.LayersModel.fit` does, so its
 * `onYield` works too. Instances get `setParams({ epochs, initialEpoch, verbose: 0 })`. A VAE is
 * not a `tf.LayersModel`, so `setModel` is not called; instead the `model` of a `tf.Callback`
 * is a stand-in whose one member is `stopTraining`: setting it to `true` (as
 * `tf.callbacks.earlyStopping` does) stops `fit` after the current step, with
 * `stopReason: 'callback'`. Callbacks that need the model itself are written as {@link Callback}s,
 * which get it in their context.
 *
 * @param callbacks - One tfjs-layers callback or an array of them.
 * @returns One callback for `fit`'s `callbacks`.
 * @throws {@link ConfigError} for a value with none of the hooks, or a hook that is not a function.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, layersCallbacks } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const x = tf.randomUniform([64, 16]);
 * const printer = new tfl.CustomCallback({
 *   onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch}: loss ${logs?.loss} val_loss ${logs?.val_loss}`),
 * });
 * // In a page: layersCallbacks(tfvis.show.fitCallbacks({ name: 'Training' }, ['loss', 'val_loss']))
 * await vae.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25, callbacks: [layersCallbacks(printer)] });
 * ```
 * @category Logging
 */
export function layersCallbacks(callbacks: LayersCallbackLike | readonly LayersCallbackLike[]): Callback {
  const list = (Array.isArray(callbacks) ? callbacks : [callbacks]).map((cb: unknown, i) => standardize(cb, i));
  const standIn: ModelStandIn = { stopTraining: false };
  let lastEpoch: KerasLogs = {};
  const each = async (context: TrainingContext, call: (cb: LayersCallbackInstance) => unknown) => {
    for (const cb of list) await call(cb);
    if (standIn.stopTraining) context.stop('callback');
  };
  return {
    async onTrainBegin(context) {
      standIn.stopTraining = false;
      lastEpoch = {};
      const params = { epochs: context.epochs, initialEpoch: context.history.epochs.length, verbose: 0 };
      for (const cb of list) {
        cb.setParams?.({ ...params });
        // tf.Callback keeps its model in a public field that starts out null.
        if ('model' in cb && (cb.model === null || cb.model === undefined || cb.model === standIn)) cb.model = standIn;
      }
      await each(context, (cb) => cb.onTrainBegin?.({}));
    },
    async onEpochBegin(epoch, context) {
      await each(context, (cb) => cb.onEpochBegin?.(epoch, {}));
    },
    async onBatchBegin(logs, context) {
      await each(context, (cb) => cb.onBatchBegin?.(logs.batch, { batch: logs.batch, size: logs.size }));
    },
    async onBatchEnd(logs, context) {
      const values = { batch: logs.batch, size: logs.size, ...kerasBatchLogs(logs) };
      await each(context, (cb) => cb.onBatchEnd?.(logs.batch, { ...values }));
    },
    async onEpochEnd(logs, context) {
      lastEpoch = kerasEpochLogs(logs);
      await each(context, (cb) => cb.onEpochEnd?.(logs.epoch, { ...lastEpoch }));
    },
    async onTrainEnd(_history, context) {
      await each(context, (cb) => cb.onTrainEnd?.({ ...lastEpoch }));
    },
  };
}
