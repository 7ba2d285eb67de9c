import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers the gradients of every op; tfjs-core alone does not in Node.
import '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors/index.js';
import { type CheckpointState, captureOptimizer, rebuildOptimizer, restoreOptimizer } from './checkpoint.js';
import type { Batch } from './data.js';
import type { EngineSetup, EngineStepOptions, TrainingEngine, TrainingEngineFactory } from './engine.js';
import { FIT_DEFAULTS } from './fit-setup.js';
import type { TrainableVAE } from './types.js';

/**
 * Options of {@link inThreadEngine}.
 *
 * @category Training
 */
export interface InThreadEngineOptions {
  /**
   * Makes the optimizer when `fit` got none. `checkpoint` is the resumed checkpoint's optimizer
   * (class, config), whose state is loaded into the result; return `undefined` to leave the
   * choice to the default.
   *
   * @defaultValue `tf.train.adam(learningRate)`, or the checkpoint's optimizer class rebuilt from its config
   */
  makeOptimizer?: (settings: {
    learningRate: number;
    checkpoint: CheckpointState['optimizer'] | undefined;
  }) => tf.Optimizer | undefined;
  /**
   * What the history and the progress output call this engine.
   * @defaultValue `'in-thread'`
   */
  description?: string;
  /**
   * A sentence said once in the history and the progress output (why this engine was chosen).
   * @defaultValue none
   */
  notice?: string;
}

/**
 * Core's engine: each step runs on this thread with tfjs autodiff (`tf.variableGrads` over the
 * model's trainable variables) on the active backend, and the optimizer applies the gradients.
 * Losses stay on the device until the loop reads them back. It is what `fit` uses unless another
 * engine is passed or set as the default.
 *
 * @param options - How to make the optimizer, and how the engine is described.
 * @returns An engine factory for `fit`'s `engine` option.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildMlpVAE, inThreadEngine } from '@vae/core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const history = await vae.fit(tf.randomUniform([32, 16]), { batchSize: 16, engine: inThreadEngine(), verbose: 0 });
 * console.log(history.engine?.description); // 'in-thread'
 * ```
 * @category Training
 */
export function inThreadEngine(options: InThreadEngineOptions = {}): TrainingEngineFactory {
  return {
    name: 'in-thread',
    async create(setup) {
      return new InThreadEngine(setup, options);
    },
  };
}

function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

function currentLearningRate(optimizer: tf.Optimizer): number {
  const rate = (optimizer as unknown as { learningRate?: number }).learningRate;
  return typeof rate === 'number' ? rate : Number.NaN;
}

class InThreadEngine implements TrainingEngine {
  readonly description: string;
  readonly notice: string | undefined;
  readonly optimizer: tf.Optimizer;
  private readonly model: TrainableVAE;
  private readonly ownOptimizer: boolean;
  private readonly vars: tf.Variable[];
  private restore: Promise<void> | undefined;

  constructor(setup: EngineSetup, options: InThreadEngineOptions) {
    this.model = setup.model;
    this.description = options.description ?? 'in-thread';
    this.notice = options.notice;
    this.vars = setup.model.trainableVariables;
    if (this.vars.length === 0) {
      throw new ConfigError(`${setup.where}: the model has no trainable variables.`, {
        field: 'model',
        expected: 'a model with trainable variables',
        got: 0,
      });
    }
    const checkpoint = setup.resume?.state.optimizer;
    this.ownOptimizer = setup.optimizer === undefined;
    this.optimizer =
      setup.optimizer ??
      options.makeOptimizer?.({ learningRate: setup.learningRate ?? FIT_DEFAULTS.learningRate, checkpoint }) ??
      (checkpoint ? rebuildOptimizer(checkpoint) : tf.train.adam(setup.learningRate ?? FIT_DEFAULTS.learningRate));
    if (setup.resume) this.restore = restoreOptimizer(this.optimizer, setup.resume);
  }

  get learningRate(): number {
    return currentLearningRate(this.optimizer);
  }

  /** Waits for the checkpoint's optimizer state (restored asynchronously) before the first step. */
  async ready(): Promise<void> {
    await this.restore;
    this.restore = undefined;
  }

  async step(batch: Batch, options: EngineStepOptions): Promise<tf.Tensor1D> {
    if (this.restore) await this.ready();
    if (options.learningRate !== undefined) setLearningRate(this.optimizer, options.learningRate);
    return trainStep(this.model, this.optimizer, this.vars, batch, options);
  }

  async syncToModel(): Promise<void> {}

  async exportOptimizer() {
    if (this.restore) await this.ready();
    return captureOptimizer(this.optimizer);
  }

  async dispose(): Promise<void> {
    await this.restore?.catch(() => undefined);
    if (this.ownOptimizer) this.optimizer.dispose();
  }
}

/** One optimizer step; returns `[total, reconstruction, kl]` as a new tensor, read later. */
function trainStep(
  model: TrainableVAE,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: Batch,
  options: EngineStepOptions,
): tf.Tensor1D {
  let reconstruction: tf.Scalar | undefined;
  let kl: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const terms = model.lossTerms(batch.x, {
      ...(batch.labels ? { labels: batch.labels } : {}),
      klWeight: options.klWeight,
      seed: options.noiseSeed,
      training: true,
    });
    reconstruction = tf.keep(terms.reconstruction);
    kl = tf.keep(terms.kl);
    return terms.total;
  }, vars);
  try {
    if (options.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(grads, options.clipNorm);
      try {
        optimizer.applyGradients(clipped);
      } finally {
        tf.dispose(Object.values(clipped));
      }
    } else {
      optimizer.applyGradients(grads);
    }
    return tf.tidy(() => tf.stack([value, reconstruction as tf.Scalar, kl as tf.Scalar]) as tf.Tensor1D);
  } finally {
    tf.dispose([value, ...(reconstruction ? [reconstruction] : []), ...(kl ? [kl] : []), ...Object.values(grads)]);
  }
}

/**
 * Scales gradients so that their global L2 norm is at most `clipNorm` (no read-back).
 *
 * @param grads - Gradients by variable name.
 * @param clipNorm - The largest allowed global norm.
 * @returns New tensors, owned by the caller.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    const norm = tf.sqrt(tf.addN(squares));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n] as tf.Tensor, scale);
    return out as unknown as tf.TensorContainer;
  }) as unknown as tf.NamedTensorMap;
}
