import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expectTypeOf, it } from 'vitest';
import type { Callback } from '../training/callbacks.js';
import { type LayersCallbackLike, layersCallbacks } from './layers-callbacks.js';

// The declared type of what tfjs-vis' `show.fitCallbacks(container, metrics, opts)` returns
// (tfjs-vis/src/show/history.ts): an index signature of async hooks taking tfjs-layers' Logs.
interface FitCallbackHandlers {
  [key: string]: (iteration: number, log: tfl.Logs) => Promise<void>;
}

describe('layersCallbacks accepts what tfjs-layers fit accepts', () => {
  it('takes tfjs-vis fitCallbacks results, CustomCallbacks, tf.Callback subclasses and arrays of them', () => {
    const handlers = {} as FitCallbackHandlers;
    class Recorder extends tfl.Callback {
      override async onEpochEnd(_epoch: number, _logs?: tfl.Logs): Promise<void> {}
    }
    expectTypeOf(layersCallbacks(handlers)).toEqualTypeOf<Callback>();
    expectTypeOf(layersCallbacks(new tfl.CustomCallback({ onEpochEnd: () => undefined }))).toEqualTypeOf<Callback>();
    expectTypeOf(
      layersCallbacks([new Recorder(), tfl.callbacks.earlyStopping({ monitor: 'val_loss' })]),
    ).toEqualTypeOf<Callback>();
    expectTypeOf(
      layersCallbacks({ onBatchEnd: async (batch: number, logs?: tfl.Logs) => void [batch, logs] }),
    ).toEqualTypeOf<Callback>();
    expectTypeOf<tfl.CustomCallbackArgs>().toExtend<LayersCallbackLike>();
  });

  it('refuses values that are not callbacks', () => {
    // @ts-expect-error a number is not a callback
    layersCallbacks(3);
    // @ts-expect-error hooks are functions
    layersCallbacks({ onEpochEnd: 'later' });
  });
});
