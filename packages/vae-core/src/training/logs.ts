import type { EngineInfo } from './engine.js';

/**
 * Loss terms of one epoch or one logging interval, in nats per example.
 *
 * `loss = reconstruction + klWeight * beta * kl` (with free bits applied to `kl` inside the loss
 * when configured); validation terms are computed with the KL weight of the last step.
 *
 * Every field is a number, and the type is an object type rather than an interface, so the logs
 * pass wherever a record of numbers is expected (`Record<string, number | undefined>`, the
 * histories of `@vae/viz`).
 *
 * @category Training
 */
export type EpochLogs = {
  /** The epoch, 0-based. */
  epoch: number;
  /** Mean training loss (negative ELBO with the KL weight and beta of each step). */
  loss: number;
  /** Mean reconstruction term, `-log p(x | z)`. */
  reconstruction: number;
  /** Mean KL term, `KL(q(z | x) || p(z))`. */
  kl: number;
  /** KL weight (warm-up) at the last step of the epoch. */
  klWeight: number;
  /** The model's beta (the constant weight on KL of a beta-VAE). */
  beta: number;
  /** Learning rate at the last step of the epoch. */
  learningRate: number;
  /** Validation loss, when validation data was given. */
  valLoss?: number;
  /** Validation reconstruction term. */
  valReconstruction?: number;
  /** Validation KL term. */
  valKl?: number;
  /** Batches trained in the epoch. */
  batches: number;
  /** Examples trained in the epoch. */
  examples: number;
  /** Wall-clock seconds the epoch took, validation included. */
  seconds: number;
};

/**
 * What `onBatchEnd` receives. Loss values are read back from the device once per logging
 * interval, so between read-backs they repeat the last interval's means (see `fresh`).
 *
 * @category Training
 */
export interface BatchLogs {
  /** The epoch, 0-based. */
  epoch: number;
  /** The batch within the epoch, 0-based. */
  batch: number;
  /** Optimizer steps taken over the whole run, this one included. */
  step: number;
  /** Examples in this batch. */
  size: number;
  /** Batches in the epoch, when known (tensor input); `undefined` for streams. */
  batchesPerEpoch: number | undefined;
  /** Mean loss over the last logging interval. */
  loss: number;
  /** Mean reconstruction term over the last logging interval. */
  reconstruction: number;
  /** Mean KL term over the last logging interval. */
  kl: number;
  /** KL weight used for this batch. */
  klWeight: number;
  /** Learning rate used for this batch. */
  learningRate: number;
  /** `true` when the loss values were read back at this batch, `false` when they are repeated. */
  fresh: boolean;
}

/**
 * Why training ended.
 *
 * @category Training
 */
export type StopReason = 'completed' | 'earlyStopping' | 'aborted' | 'callback';

/**
 * The result of `fit`: one {@link EpochLogs} per trained epoch, in nats per example.
 *
 * @category Training
 */
export interface History {
  /** Per-epoch logs, including epochs of earlier runs when training was resumed. */
  epochs: EpochLogs[];
  /** Why training ended. */
  stopReason: StopReason;
  /** Optimizer steps taken over the whole run (resumed runs continue the count). */
  steps: number;
  /**
   * What trained this run: the engine's name and description, and its notice when it is not the
   * engine that was asked for (a model the workers cannot rebuild trains in-thread, say).
   * Absent only when no step ran (a signal aborted before the call).
   */
  engine?: EngineInfo;
}
