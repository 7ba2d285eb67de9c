// Key public types of @vae/core, as a user with the strictest settings sees them.
import type * as tf from '@tensorflow/tfjs-core';
import {
  BackendError,
  type Batch,
  buildConditionalVAE,
  buildConvVAE,
  buildMlpVAE,
  ConfigError,
  type ConvVAEConfig,
  DisposedError,
  type EngineInfo,
  type EpochLogs,
  type FitOptions,
  type History,
  PersistenceError,
  ShapeError,
  type StopReason,
  type TrainingData,
  type VAE,
  VAEError,
} from '@vae/core';
import { expectTypeOf } from 'vitest';

declare const vae: VAE;
declare const images: tf.Tensor4D;
declare const maybeLabels: tf.Tensor1D | undefined;

// fit resolves to the History: per-epoch logs in nats, why it stopped, and what trained it.
expectTypeOf(vae.fit(images)).resolves.toEqualTypeOf<History>();
expectTypeOf<History['epochs']>().toEqualTypeOf<EpochLogs[]>();
expectTypeOf<History['stopReason']>().toEqualTypeOf<StopReason>();
expectTypeOf<History['engine']>().toEqualTypeOf<EngineInfo | undefined>();
expectTypeOf<EpochLogs['loss']>().toEqualTypeOf<number>();
expectTypeOf<EpochLogs['valLoss']>().toEqualTypeOf<number | undefined>();
const history = await vae.fit(images, { epochs: 2, batchSize: 32 });
expectTypeOf(history.epochs.at(-1)).toEqualTypeOf<EpochLogs | undefined>();
// Epoch logs are plain records of numbers: they pass to anything that takes one.
expectTypeOf<EpochLogs>().toExtend<Readonly<Record<string, number | undefined>>>();

// Labels that may be absent (a dataset's, an argument's) pass straight to every labels option.
expectTypeOf<{ labels: tf.Tensor1D | undefined }>().toExtend<FitOptions>();
await vae.fit(images, { labels: maybeLabels });
vae.encode(images, { labels: maybeLabels });
vae.reconstruct(images, { labels: maybeLabels });
vae.sample(4, { labels: maybeLabels, seed: 1 });
await vae.evaluate(images, { labels: maybeLabels });
await vae.estimateNll(images, { labels: maybeLabels, importanceSamples: 10 });
expectTypeOf<{ x: tf.Tensor; labels: tf.Tensor1D | undefined }>().toExtend<Batch>();

// Every form of training data fit accepts.
expectTypeOf<tf.Tensor>().toExtend<TrainingData>();
expectTypeOf<Iterable<Batch>>().toExtend<TrainingData>();
expectTypeOf<AsyncIterable<Batch>>().toExtend<TrainingData>();

// FitOptions takes no unknown keys and no wrongly typed values.
// @ts-expect-error a misspelt option
await vae.fit(images, { epoch: 2 });
// @ts-expect-error epochs is a number
await vae.fit(images, { epochs: '2' });
// @ts-expect-error verbose is 0, 1 or 2
await vae.fit(images, { verbose: 3 });

// encode returns the posterior as [batch, latentDim] tensors.
expectTypeOf(vae.encode(images)).toEqualTypeOf<{ mean: tf.Tensor2D; logVar: tf.Tensor2D }>();
expectTypeOf(vae.latentDim).toEqualTypeOf<number>();

// Builders: a config object, every field optional, no unknown keys.
expectTypeOf(buildConvVAE).parameter(0).toEqualTypeOf<ConvVAEConfig | undefined>();
expectTypeOf(buildConvVAE({ inputShape: [28, 28, 1], latentDim: 2 })).toEqualTypeOf<VAE>();
expectTypeOf(buildMlpVAE({ inputShape: [784], hiddenUnits: [512], latentDim: 2 })).toEqualTypeOf<VAE>();
expectTypeOf(buildConditionalVAE({ inputShape: [784], numClasses: 10 })).toEqualTypeOf<VAE>();
// @ts-expect-error a misspelt config key
buildConvVAE({ latentDims: 2 });
// @ts-expect-error latentDim is a number
buildMlpVAE({ latentDim: '2' });

// Each error class narrows an unknown value to itself, with its structured fields.
declare const caught: unknown;
if (VAEError.isInstance(caught)) expectTypeOf(caught).toEqualTypeOf<VAEError>();
if (ConfigError.isInstance(caught)) {
  expectTypeOf(caught).toEqualTypeOf<ConfigError>();
  expectTypeOf(caught.field).toEqualTypeOf<string>();
  expectTypeOf(caught).toExtend<VAEError>();
}
if (ShapeError.isInstance(caught)) expectTypeOf(caught.got).toEqualTypeOf<readonly number[]>();
if (DisposedError.isInstance(caught)) expectTypeOf(caught.method).toEqualTypeOf<string>();
if (BackendError.isInstance(caught)) expectTypeOf(caught.backend).toEqualTypeOf<string>();
if (PersistenceError.isInstance(caught)) expectTypeOf(caught.code).toEqualTypeOf<string | undefined>();
// A subclass's guard is its own, not the base class's.
expectTypeOf(ShapeError.isInstance).guards.toEqualTypeOf<ShapeError>();
expectTypeOf(VAEError.isInstance).guards.toEqualTypeOf<VAEError>();
