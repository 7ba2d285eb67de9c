// The seam between the one training loop (`fitVAE`) and what runs a step: the loop owns batches,
// shuffles, schedules, callbacks, validation, checkpoints, abort and the NaN guard; an engine owns
// the optimizer and the arithmetic of a step, on this thread or elsewhere.
import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointState, ResumeState } from './checkpoint.js';
import type { Batch } from './data.js';
import type { TrainableVAE } from './types.js';

/**
 * The settings of one optimizer step, as the training loop hands them to an engine.
 *
 * @category Training
 */
export interface EngineStepOptions {
  /** The weight on the KL term for this step (KL warm-up), multiplying the model's beta. */
  readonly klWeight: number;
  /** The learning rate for this step, or `undefined` to leave the optimizer's own rate unchanged. */
  readonly learningRate: number | undefined;
  /**
   * The seed of this step's reparameterization noise: the engine draws
   * `tf.randomNormal([batch, latentDim], 0, 1, 'float32', noiseSeed)` (what `lossTerms` draws for
   * `{ seed: noiseSeed }`), so every engine trains on the same noise.
   */
  readonly noiseSeed: number;
  /** Clip the gradients to this global L2 norm before the update; `undefined` for no clipping. */
  readonly clipNorm: number | undefined;
}

/**
 * The batch means of a step's loss terms `[total, reconstruction, kl]` in nats per example:
 * either a new `[3]` tensor that the loop reads back later (once per logging interval) and
 * disposes, or plain numbers when the engine has them already.
 *
 * @category Training
 */
export type StepLosses = tf.Tensor1D | readonly [number, number, number];

/**
 * An optimizer's state as a checkpoint stores it: how to rebuild the optimizer (`meta`) and its
 * weights encoded with `tf.io.encodeWeights` (`bytes`, the checkpoint's `optimizer.bin`). Every
 * engine writes and reads this one format, so a checkpoint of one engine resumes on another.
 *
 * @category Training
 */
export interface OptimizerSnapshot {
  /** The optimizer's class, config and weight specs. */
  readonly meta: CheckpointState['optimizer'];
  /** The optimizer's weights: the iteration count, then each slot kind of every variable. */
  readonly bytes: Uint8Array;
}

/**
 * What the training loop tells an engine when a run starts.
 *
 * @category Training
 */
export interface EngineSetup {
  /** The model to train; its variables hold the starting weights and receive the result. */
  readonly model: TrainableVAE;
  /** The optimizer the caller passed to `fit`, if any (the engine then trains with it or refuses it). */
  readonly optimizer: tf.Optimizer | undefined;
  /**
   * The learning rate of the first step: the schedule's value, or when `fit` got none, the
   * default `1e-3` for an optimizer the engine makes (a resumed run keeps its checkpoint's rate).
   */
  readonly learningRate: number | undefined;
  /** The checkpoint being resumed: the engine restores the optimizer state from it. */
  readonly resume: ResumeState | undefined;
  /** Examples per batch (`fit`'s `batchSize`; batches of streams may differ). */
  readonly batchSize: number;
  /**
   * The optimizer steps this call will run at most (the epochs to go times the batches per
   * epoch), when the data says how many batches an epoch has; `undefined` for streams.
   */
  readonly steps: number | undefined;
  /** The name of the calling function, for error messages (`'fit'`). */
  readonly where: string;
}

/**
 * A running engine: it trains the model one batch at a time for one `fit` call.
 *
 * Engines that keep the weights elsewhere (worker threads) copy them into the model when asked
 * ({@link TrainingEngine.syncToModel}); the loop asks before validation, `onEpochEnd`,
 * `onTrainEnd`, checkpoints, and whenever a callback awaits `context.syncModel()`.
 *
 * @category Training
 */
export interface TrainingEngine {
  /** What trains, for the history and the progress output (e.g. `'in-thread'`, `'2 workers (wasm, fused MLP step)'`). */
  readonly description: string;
  /**
   * Said once, in the history and the progress output, when the engine is not the one asked for
   * (a model the workers cannot rebuild trains in-thread, say); `undefined` otherwise.
   */
  readonly notice: string | undefined;
  /** Why this engine was chosen, one sentence each (an automatic choice gives them); optional. */
  readonly reasons?: readonly string[];
  /** The optimizer when it lives on this thread (callbacks may read it); `undefined` otherwise. */
  readonly optimizer: tf.Optimizer | undefined;
  /** The learning rate in use (for the logs when no schedule sets it). */
  readonly learningRate: number;
  /**
   * One optimizer step on a batch.
   *
   * @param batch - The examples (and labels for a conditional model); the loop disposes them after the step.
   * @param options - KL weight, learning rate, noise seed and clipping for this step.
   * @returns The step's loss terms (before the update).
   */
  step(batch: Batch, options: EngineStepOptions): StepLosses | Promise<StepLosses>;
  /** Copies the engine's current weights into the model's variables (nothing to do in-thread). */
  syncToModel(): Promise<void>;
  /** The optimizer's state, for a checkpoint. */
  exportOptimizer(): Promise<OptimizerSnapshot>;
  /**
   * Ends the run: the model holds the final weights, a caller's optimizer holds the final state,
   * and everything the engine made is released. Called once, also after a failure.
   */
  dispose(): Promise<void>;
}

/**
 * Makes a {@link TrainingEngine} for one `fit` call; pass it as `fit`'s `engine` option, or make it
 * the default with {@link setDefaultTrainingEngine}. Core has {@link inThreadEngine};
 * `@vae/backends` adds engines that train on worker threads, and `useBackend` makes its automatic
 * choice the default.
 *
 * @category Training
 */
export interface TrainingEngineFactory {
  /** The engine's name (e.g. `'in-thread'`, `'workers'`, `'auto'`). */
  readonly name: string;
  /**
   * Starts an engine for a run.
   *
   * @param setup - The model, the caller's optimizer, the first learning rate, the resumed checkpoint.
   * @returns The engine.
   * @throws {@link ConfigError} naming an option the engine cannot honour.
   */
  create(setup: EngineSetup): Promise<TrainingEngine>;
}

/**
 * What trained a run, as the history records it.
 *
 * @category Training
 */
export interface EngineInfo {
  /** The factory's name. */
  readonly name: string;
  /** What trained (see {@link TrainingEngine.description}). */
  readonly description: string;
  /** Why the engine differs from the one asked for, when it does. */
  readonly notice?: string;
  /** Why the engine was chosen, when it was chosen automatically. */
  readonly reasons?: readonly string[];
}

const DEFAULT_ENGINE = Symbol.for('@vae/core/default-training-engine');

type EngineRegistry = { [DEFAULT_ENGINE]?: TrainingEngineFactory };

/**
 * Sets the engine `fit` uses when its `engine` option is left out (`useBackend` of
 * `@vae/backends` calls this). The setting is process-wide and shared by every copy of
 * `@vae/core` loaded in the process.
 *
 * @param factory - The engine, or `undefined` to go back to {@link inThreadEngine}.
 * @example
 * ```ts
 * import { inThreadEngine, setDefaultTrainingEngine } from '@vae/core';
 *
 * setDefaultTrainingEngine(inThreadEngine()); // every vae.fit trains on this thread
 * ```
 * @category Training
 */
export function setDefaultTrainingEngine(factory: TrainingEngineFactory | undefined): void {
  (globalThis as EngineRegistry)[DEFAULT_ENGINE] = factory;
}

/**
 * The engine `fit` uses when its `engine` option is left out: the one set with
 * {@link setDefaultTrainingEngine}, or `undefined` for core's {@link inThreadEngine}.
 *
 * @returns The default engine's factory, if one was set.
 * @example
 * ```ts
 * import { defaultTrainingEngine } from '@vae/core';
 *
 * console.log(defaultTrainingEngine()?.name ?? 'in-thread');
 * ```
 * @category Training
 */
export function defaultTrainingEngine(): TrainingEngineFactory | undefined {
  return (globalThis as EngineRegistry)[DEFAULT_ENGINE];
}
