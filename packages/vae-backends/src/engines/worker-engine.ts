import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of every op in Node
import {
  type Batch,
  ConfigError,
  type EngineSetup,
  type EngineStepOptions,
  inThreadEngine,
  ShapeError,
  type TrainingEngine,
  type TrainingEngineFactory,
  type VAE,
} from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import { ADAM_CLASSES, VAEAdam } from '../optimizers/vae-adam.js';
import {
  createParallelTrainer,
  type ParallelBatch,
  type ParallelOptimizerState,
  type ParallelStrategyName,
  type ParallelTrainer,
} from '../parallel/parallel-trainer.js';
import type { VAEReplicaOptions } from '../parallel/vae-replica.js';
import { decodeOptimizerState, encodeOptimizerState, loadIntoOptimizer, stateOfOptimizer } from './optimizer-state.js';

/**
 * Options of {@link workerEngine}.
 *
 * @category Training
 */
export interface WorkerEngineOptions {
  /**
   * How many workers (one replica each, one core each).
   * @defaultValue `os.availableParallelism()`
   */
  workers?: number;
  /**
   * The backend each worker uses.
   * @defaultValue `'wasm'` with this package's training kernels
   */
  backend?: BackendName;
  /**
   * How a step runs: `'fused-mlp'` (our SIMD kernels in memory the workers share, for models
   * {@link mlpVAESupport} accepts, on wasm), `'autodiff'` (tfjs autodiff in every worker), or
   * `'auto'` (the fused step where it can run, with the reason in the description where not).
   * @defaultValue `'auto'`
   */
  strategy?: ParallelStrategyName | 'auto';
  /**
   * The worker script. Only needed when running this package from its TypeScript sources.
   * @defaultValue the `parallel-worker.js` shipped with this package
   */
  workerScript?: string | URL;
}

/** The in-thread engine of this package: core's, with {@link VAEAdam} when `fit` makes the optimizer. */
export function vaeAdamInThreadEngine(description?: string, notice?: string): TrainingEngineFactory {
  return inThreadEngine({
    makeOptimizer: ({ learningRate, checkpoint }) => {
      if (checkpoint === undefined) return new VAEAdam(learningRate);
      if (!ADAM_CLASSES.includes(checkpoint.className)) return undefined;
      const c = checkpoint.config as Record<string, number>;
      return new VAEAdam(c.learningRate ?? learningRate, c.beta1, c.beta2, c.epsilon);
    },
    ...(description === undefined ? {} : { description }),
    ...(notice === undefined ? {} : { notice }),
  });
}

function replicaModule(): URL {
  // From the TypeScript sources (tests) the module is a .ts file; built, it is vae-replica.js
  // next to this entry.
  const source = /\.ts$/.test(new URL(import.meta.url).pathname);
  return new URL(source ? '../parallel/vae-replica.ts' : './vae-replica.js', import.meta.url);
}

/** Whether worker threads can rebuild a model: both networks must be tf.LayersModels (they are sent saved). */
export function rebuildableReason(model: unknown): string | undefined {
  const vae = model as Partial<VAE>;
  if (typeof vae.save !== 'function' || vae.inputShape === undefined || vae.latentDim === undefined) {
    return 'the model is not a VAE of @vae/core';
  }
  if (typeof vae.encoder === 'function') return 'the encoder is a function, which the workers cannot rebuild';
  if (typeof vae.decoder === 'function') return 'the decoder is a function, which the workers cannot rebuild';
  return undefined;
}

/**
 * Why a model's free bits keep it off the workers, or `undefined`: free bits floor each latent
 * dimension's KL averaged over the whole batch, which a worker holding some of the rows cannot see.
 */
export function freeBitsReason(model: unknown): string | undefined {
  const freeBits = (model as Partial<VAE>).config?.freeBits ?? 0;
  return freeBits > 0
    ? `free bits (freeBits ${freeBits}) floor each latent dimension's KL averaged over the whole batch, which workers holding part of the batch do not see`
    : undefined;
}

/** Saves the model into memory, as plain data a worker can receive. */
async function artifactsOf(vae: VAE): Promise<{ encoder: tf.io.ModelArtifacts; decoder: tf.io.ModelArtifacts }> {
  const saved: { encoder?: tf.io.ModelArtifacts; decoder?: tf.io.ModelArtifacts } = {};
  const handler = (key: 'encoder' | 'decoder'): tf.io.IOHandler => ({
    save: async (artifacts) => {
      saved[key] = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  await vae.save({ encoder: handler('encoder'), decoder: handler('decoder') });
  return { encoder: saved.encoder as tf.io.ModelArtifacts, decoder: saved.decoder as tf.io.ModelArtifacts };
}

/**
 * An engine that trains on worker threads: one replica of the model per worker (wasm backend with
 * this package's training kernels), each batch split between them, so training uses every core in
 * Node. A step runs one of two strategies: the fused MLP step for MLP VAEs ({@link mlpVAESupport}),
 * or tfjs-autodiff replicas for any model the workers can rebuild; the result equals in-thread
 * training on the same batches and noise up to float32 rounding.
 *
 * Every option of `fit` behaves as in-thread: callbacks run on the main thread (the model's
 * weights are brought up to date before validation, `onEpochEnd`, `onTrainEnd`, checkpoints, and
 * `context.syncModel()`), checkpoints are core's format and resume on any engine and worker count.
 * An optimizer passed to `fit` must be an Adam (tfjs's or {@link VAEAdam}); the workers run Adam
 * with its settings and state, and it holds the final state afterwards. A model the workers
 * cannot rebuild (a function encoder, say) trains in-thread, and the history and progress output
 * say so. Dropout draws its own masks in each worker, so models with dropout do not repeat
 * in-thread runs draw for draw (in-thread dropout is not seeded either). A model with free bits is
 * refused (the floor applies to each latent dimension's KL averaged over the whole batch, which a
 * worker does not see): train it in-thread.
 *
 * @param options - Workers, backend, strategy, worker script.
 * @returns An engine factory for `fit`'s `engine` option.
 * @throws `ConfigError` (from `@vae/core`, when the engine starts) for an optimizer that is not
 * Adam, a model with free bits, a bad worker count, or `strategy: 'fused-mlp'` for a model the
 * fused step cannot run.
 * @example
 * ```ts
 * import { useBackend, workerEngine } from '@vae/backends';
 * import { buildMlpVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * await useBackend('wasm');
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2, seed: 1 });
 * const x = tf.randomUniform([64, 16]);
 * const history = await vae.fit(x, { epochs: 2, batchSize: 16, seed: 1, engine: workerEngine({ workers: 2 }) });
 * console.log(history.engine?.description); // '2 workers (wasm, fused MLP step)'
 * ```
 * @category Training
 */
export function workerEngine(options: WorkerEngineOptions = {}): TrainingEngineFactory {
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 1)) {
    throw new ConfigError(`workerEngine: workers must be a positive integer, got ${String(options.workers)}.`, {
      field: 'workers',
      expected: 'a positive integer',
      got: options.workers,
    });
  }
  return {
    name: 'workers',
    async create(setup) {
      const why = rebuildableReason(setup.model);
      if (why !== undefined) {
        return vaeAdamInThreadEngine('in-thread', `${why}: training in-thread instead of on workers`).create(setup);
      }
      return WorkerEngine.start(setup, options);
    },
  };
}

class WorkerEngine implements TrainingEngine {
  readonly optimizer = undefined;
  readonly notice = undefined;
  private rate: number;

  private constructor(
    private readonly vae: VAE,
    private readonly trainer: ParallelTrainer,
    private readonly vars: tf.Variable[],
    private readonly callerOptimizer: tf.Optimizer | undefined,
    readonly description: string,
    rate: number,
  ) {
    this.rate = rate;
  }

  static async start(setup: EngineSetup, options: WorkerEngineOptions): Promise<WorkerEngine> {
    const vae = setup.model as VAE;
    const vars = vae.trainableVariables;
    const { where } = setup;
    const why = freeBitsReason(vae);
    if (why !== undefined) {
      throw new ConfigError(
        `${where}: the worker engine cannot train this model: ${why}. Train it in-thread (engine: inThreadEngine()).`,
        {
          field: 'freeBits',
          expected: 'freeBits 0 on the worker engine',
          got: vae.config.freeBits,
        },
      );
    }
    let restored: ParallelOptimizerState | undefined;
    let adam: Record<string, unknown> = {};
    if (setup.optimizer !== undefined) {
      const name = setup.optimizer.getClassName();
      if (!ADAM_CLASSES.includes(name)) {
        throw new ConfigError(
          `${where}: option 'optimizer' is a ${name}; the worker engine trains with Adam. Pass an Adam (tf.train.adam or VAEAdam), or train in-thread (engine: inThreadEngine()).`,
          { field: 'optimizer', expected: 'an Adam optimizer', got: name },
        );
      }
      adam = setup.optimizer.getConfig() as Record<string, unknown>;
      restored = await stateOfOptimizer(setup.optimizer, vars);
    }
    if (setup.resume !== undefined) {
      restored = decodeOptimizerState(setup.resume, vars, where);
      if (setup.optimizer === undefined) adam = restored.config;
    }
    const number = (key: string) => (typeof adam[key] === 'number' ? { [key]: adam[key] as number } : {});
    const rate = setup.learningRate ?? (typeof adam.learningRate === 'number' ? adam.learningRate : 1e-3);
    const replicaOptions: VAEReplicaOptions = {
      ...(await artifactsOf(vae)),
      learningRate: rate,
      ...number('beta1'),
      ...number('beta2'),
      ...number('epsilon'),
    };
    const trainer = await createParallelTrainer({
      replica: replicaModule(),
      replicaOptions,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.workerScript === undefined ? {} : { workerScript: options.workerScript }),
      ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    });
    try {
      // Every replica starts from exactly the main thread's weights (this also checks their order).
      await trainer.setWeights(await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array)));
      if (restored !== undefined && (restored.slots.length > 0 || restored.iterations > 0)) {
        await trainer.setOptimizerState(restored);
      }
    } catch (error) {
      await trainer.dispose();
      throw error;
    }
    const how = trainer.strategy === 'fused-mlp' ? 'fused MLP step' : 'tfjs autodiff replicas';
    const because = trainer.strategyReason === undefined ? '' : `; ${trainer.strategyReason}`;
    const description = `${trainer.workers} worker${trainer.workers === 1 ? '' : 's'} (${trainer.backend}, ${how}${because})`;
    return new WorkerEngine(vae, trainer, vars, setup.optimizer, description, rate);
  }

  get learningRate(): number {
    return this.rate;
  }

  async step(batch: Batch, options: EngineStepOptions): Promise<readonly [number, number, number]> {
    const vae = this.vae;
    const { x } = batch;
    if (x.rank !== vae.inputShape.length + 1 || vae.inputShape.some((d, i) => x.shape[i + 1] !== d)) {
      throw new ShapeError(
        `fit: a batch has shape [${x.shape.join(', ')}], the model expects [batch, ${vae.inputShape.join(', ')}]. Reshape the data to the model's inputShape.`,
        { argument: 'x', expected: [null, ...vae.inputShape], got: x.shape },
      );
    }
    if (vae.numClasses > 0 && batch.labels === undefined) {
      throw new ConfigError(
        `fit: the model is conditional (${vae.numClasses} classes) but a batch has no labels. Pass { x, labels } or the labels option.`,
        { field: 'labels', expected: 'labels for a conditional model', got: undefined },
      );
    }
    const size = x.shape[0] as number;
    const eps = tf.randomNormal([size, vae.latentDim], 0, 1, 'float32', options.noiseSeed);
    const parts: ParallelBatch = {};
    try {
      parts.x = { values: (await x.data()) as Float32Array, shape: [...x.shape] };
      parts.eps = { values: (await eps.data()) as Float32Array, shape: [...eps.shape] };
      if (batch.labels !== undefined) {
        parts.labels = { values: (await batch.labels.data()) as Float32Array, shape: [...batch.labels.shape] };
      }
    } finally {
      eps.dispose();
    }
    if (options.learningRate !== undefined) this.rate = options.learningRate;
    const result = await this.trainer.stepWithMetrics(parts, {
      learningRate: this.rate,
      scalars: { klWeight: options.klWeight },
      ...(options.clipNorm === undefined ? {} : { clipNorm: options.clipNorm }),
    });
    return [result.loss, result.metrics.reconstruction ?? Number.NaN, result.metrics.kl ?? Number.NaN];
  }

  async syncToModel(): Promise<void> {
    const values = await this.trainer.getWeights();
    this.vars.forEach((v, k) => {
      tf.tidy(() => v.assign(tf.tensor(values[k] as Float32Array, v.shape)));
    });
  }

  async exportOptimizer() {
    const state = await this.trainer.getOptimizerState();
    return encodeOptimizerState({ ...state, config: { ...state.config, learningRate: this.rate } }, this.vars);
  }

  async dispose(): Promise<void> {
    try {
      // The model gets the last weights (also after a failed step: a failed step changes nothing).
      await this.syncToModel();
      if (this.callerOptimizer !== undefined) {
        await loadIntoOptimizer(this.callerOptimizer, await this.trainer.getOptimizerState(), this.vars);
      }
    } finally {
      await this.trainer.dispose();
    }
  }
}
