import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type TrainableVAE, type TrainingEngine, type TrainingEngineFactory, type VAE } from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import { isNode } from '../backends/environment.js';
import type { ParallelStrategyName } from '../parallel/parallel-trainer.js';
import { mlpVAESupport } from '../parallel/vae-replica.js';
import { availableCores, workerThreadsUnavailable } from '../parallel/worker-pool.js';
import { freeBitsReason, rebuildableReason, vaeAdamInThreadEngine, workerEngine } from './worker-engine.js';

/**
 * How a model should train on this machine, as {@link planTraining} decides it.
 *
 * @category Training
 */
export interface TrainingPlan {
  /** The backend the plan is for (the active one unless given). */
  readonly backend: string;
  /** `'workers'` (worker threads, see {@link workerEngine}) or `'in-thread'`. */
  readonly engine: 'workers' | 'in-thread';
  /** How many workers; 1 in-thread. */
  readonly workers: number;
  /** The workers' strategy; `undefined` in-thread. */
  readonly strategy: ParallelStrategyName | undefined;
  /** Why, one sentence each, the deciding one first. */
  readonly reasons: readonly string[];
}

/**
 * Options of {@link planTraining}.
 *
 * @category Training
 */
export interface PlanTrainingOptions {
  /**
   * The backend training runs on.
   * @defaultValue the active tfjs backend
   */
  backend?: BackendName;
  /**
   * The batch size `fit` will use.
   * @defaultValue `32` (`fit`'s default)
   */
  batchSize?: number;
  /**
   * The cores to plan for.
   * @defaultValue `os.availableParallelism()` in Node, 1 elsewhere
   */
  cores?: number;
  /**
   * The optimizer steps the run will take, when known: a run too short to repay starting the
   * workers trains in-thread.
   * @defaultValue unknown (long enough)
   */
  steps?: number;
  /**
   * A worker count the caller insists on (the CLI's `--workers`): 1 trains in-thread, more needs
   * the wasm backend. Left out, the plan chooses.
   * @defaultValue the plan's choice
   */
  workers?: number;
}

/** Batches smaller than this train in-thread: the workers' per-step round trip outweighs their gain. */
export const MIN_PARALLEL_BATCH = 64;

/**
 * The shortest run (in optimizer steps) worth starting workers for, by kind of model: starting
 * them takes 1 to 2 s (each loads tfjs, the wasm backend and the model), which a run must win back
 * at the difference of the step times that `pnpm bench` measures. At batch 128 on two cores that
 * difference was about 7 ms a step for the MLP, 50 ms for the conv VAE (more for its upsampling and
 * conditional variants; about 230 ms for the upsampling decoder) and 100 ms for the LSTM.
 */
export const MIN_PARALLEL_STEPS: Readonly<Record<'mlp' | 'conv' | 'conv-upsample' | 'lstm', number>> = Object.freeze({
  mlp: 200,
  conv: 25,
  'conv-upsample': 6,
  lstm: 15,
});

/** The most workers the plan chooses by itself: what the bench measured (two cores). */
export const AUTO_WORKERS = 2;

/** Our name of the active tfjs backend. */
function activeBackend(): BackendName | string {
  const name = tf.getBackend();
  if (name === 'tensorflow') return 'node';
  return name ?? 'none';
}

type ModelKind = 'mlp' | 'conditional-mlp' | 'conv' | 'conditional-conv' | 'lstm' | 'custom';

function kindOf(model: TrainableVAE): ModelKind {
  const config = (model as Partial<VAE>).config as
    | { builder?: string; architecture?: { variant?: string } }
    | undefined;
  switch (config?.builder) {
    case 'buildMlpVAE':
      return 'mlp';
    case 'buildConvVAE':
      return 'conv';
    case 'buildLstmVAE':
      return 'lstm';
    case 'buildConditionalVAE':
      return config.architecture?.variant === 'conv' ? 'conditional-conv' : 'conditional-mlp';
    default:
      return 'custom';
  }
}

/**
 * Decides how a model trains fastest here: on worker threads (and with which strategy) or
 * in-thread, with the reasons. It is the one policy of the library: {@link autoEngine} (what
 * `useBackend` makes `vae.fit`'s default), the CLI and the web page all ask it.
 *
 * The rules follow `pnpm bench`, which measures each builder's default model on one thread and on
 * two workers: MLPs gain from workers with the fused MLP step (and not without it), conv and
 * LSTM models with tfjs-autodiff replicas; batches under 64 rows, backends
 * other than wasm, one core, models the workers cannot rebuild and custom networks (unmeasured)
 * train in-thread.
 *
 * @param model - The model to train.
 * @param options - Backend, batch size, cores, and a worker count the caller insists on.
 * @returns The plan and its reasons.
 * @throws `ConfigError` (from `@vae/core`) for a bad worker count, or more than one worker on a
 * backend other than wasm.
 * @example
 * ```ts
 * import { planTraining, useBackend } from '@vae/backends';
 * import { buildMlpVAE } from '@vae/core';
 *
 * await useBackend('wasm');
 * const plan = planTraining(buildMlpVAE(), { batchSize: 128, cores: 2 });
 * console.log(plan.engine, plan.workers, plan.strategy); // 'workers' 2 'fused-mlp'
 * console.log(plan.reasons[0]);
 * ```
 * @category Training
 */
export function planTraining(model: TrainableVAE, options: PlanTrainingOptions = {}): TrainingPlan {
  const backend = options.backend ?? activeBackend();
  const batchSize = options.batchSize ?? 32;
  const cores = options.cores ?? (isNode() ? availableCores() : 1);
  const inThread = (...reasons: string[]): TrainingPlan => ({
    backend,
    engine: 'in-thread',
    workers: 1,
    strategy: undefined,
    reasons,
  });
  const asked = options.workers;
  if (asked !== undefined) {
    if (!(Number.isInteger(asked) && asked >= 1)) {
      throw new ConfigError(`planTraining: workers must be a positive integer, got ${String(asked)}.`, {
        field: 'workers',
        expected: 'a positive integer',
        got: asked,
      });
    }
    if (asked === 1) return inThread('one worker was asked for: training in-thread');
    if (backend !== 'wasm') {
      throw new ConfigError(
        `planTraining: ${asked} workers need the wasm backend, but training runs on ${backend}. Use the wasm backend, or one worker.`,
        { field: 'workers', expected: '1, or the wasm backend', got: asked },
      );
    }
  }
  if (!isNode()) return inThread('outside Node, worker training is not available: training in-thread');
  if (backend !== 'wasm') {
    const why =
      backend === 'node' || backend === 'node-gpu'
        ? 'native TensorFlow uses every core by itself'
        : `the workers train on wasm, not ${backend}`;
    return inThread(`${why}: training in-thread on ${backend}`);
  }
  const noThreads = workerThreadsUnavailable();
  if (noThreads !== undefined) return inThread(`${noThreads}: training in-thread`);
  const notRebuildable = rebuildableReason(model);
  if (notRebuildable !== undefined) return inThread(`${notRebuildable}: training in-thread`);
  const freeBits = freeBitsReason(model);
  if (freeBits !== undefined) {
    if (asked !== undefined) {
      throw new ConfigError(`planTraining: ${asked} workers were asked for, but ${freeBits}. Train it on one worker.`, {
        field: 'workers',
        expected: '1 for a model with free bits',
        got: asked,
      });
    }
    return inThread(`${freeBits}: training in-thread`);
  }
  const workers = asked ?? Math.min(cores, AUTO_WORKERS);
  if (workers < 2) return inThread('this machine has one core: training in-thread');
  const onWorkers = (strategy: ParallelStrategyName, ...reasons: string[]): TrainingPlan => ({
    backend,
    engine: 'workers',
    workers,
    strategy,
    reasons,
  });
  const kind = kindOf(model);
  const support = kind === 'mlp' || kind === 'conditional-mlp' ? mlpVAESupport(model as VAE) : undefined;
  if (asked !== undefined) {
    return onWorkers(
      support !== undefined && 'spec' in support ? 'fused-mlp' : 'autodiff',
      `${asked} workers were asked for`,
      ...(support !== undefined && 'reason' in support ? [`${support.reason}: tfjs-autodiff replicas`] : []),
    );
  }
  if (batchSize < MIN_PARALLEL_BATCH) {
    return inThread(
      `batches of ${batchSize} rows: below ${MIN_PARALLEL_BATCH} rows the workers' per-step round trip outweighs their gain, so training runs in-thread`,
    );
  }
  const upsample =
    ((model as Partial<VAE>).config?.architecture as { decoderKind?: string } | undefined)?.decoderKind === 'upsample';
  const family =
    kind === 'mlp' || kind === 'conditional-mlp'
      ? 'mlp'
      : kind === 'lstm'
        ? 'lstm'
        : upsample
          ? 'conv-upsample'
          : 'conv';
  const shortest = MIN_PARALLEL_STEPS[family];
  if (kind !== 'custom' && options.steps !== undefined && options.steps < shortest) {
    return inThread(
      `a run of ${options.steps} step${options.steps === 1 ? '' : 's'}: starting the workers (1 to 2 s) pays off from about ${shortest} steps for ${family === 'mlp' ? 'an MLP' : family === 'lstm' ? 'an LSTM' : family === 'conv-upsample' ? 'an upsampling conv' : 'a conv'} VAE, so training runs in-thread`,
    );
  }
  switch (kind) {
    case 'mlp':
    case 'conditional-mlp':
      if (support !== undefined && 'spec' in support) {
        return onWorkers(
          'fused-mlp',
          `an MLP VAE trains fastest on ${workers} workers with the fused MLP step (pnpm bench measures it against one thread)`,
        );
      }
      return inThread(
        `${(support as { reason: string }).reason}, and MLPs on tfjs-autodiff replicas measure no faster than one thread: training in-thread`,
      );
    case 'conv':
    case 'conditional-conv':
    case 'lstm':
      return onWorkers(
        'autodiff',
        `${kind === 'lstm' ? 'an LSTM' : 'a conv'} VAE trains faster on ${workers} workers with tfjs-autodiff replicas (pnpm bench measures it against one thread)`,
      );
    default:
      return inThread(
        'custom networks are not measured: training in-thread (pass engine: workerEngine() to train them on workers)',
      );
  }
}

/**
 * The engine a plan describes.
 *
 * @param plan - From {@link planTraining}.
 * @param options - The worker script, when running this package from its TypeScript sources.
 * @returns A factory for `fit`'s `engine` option; its engine carries the plan's reasons into
 *   `history.engine` and the progress output.
 * @example
 * ```ts
 * import { engineOf, planTraining, useBackend } from '@vae/backends';
 * import { buildMlpVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * await useBackend('wasm');
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const plan = planTraining(vae, { batchSize: 8 });
 * await vae.fit(tf.randomUniform([32, 16]), { batchSize: 8, engine: engineOf(plan), verbose: 0 });
 * ```
 * @category Training
 */
export function engineOf(plan: TrainingPlan, options: { workerScript?: string | URL } = {}): TrainingEngineFactory {
  const factory =
    plan.engine === 'in-thread'
      ? vaeAdamInThreadEngine(`in-thread (${plan.backend})`)
      : workerEngine({
          workers: plan.workers,
          backend: plan.backend as BackendName,
          // The fused step where it starts (it may not: a model too big for one shared memory, no
          // SIMD), autodiff replicas with the reason in the description otherwise.
          strategy: plan.strategy === 'fused-mlp' ? 'auto' : (plan.strategy ?? 'auto'),
          ...(options.workerScript === undefined ? {} : { workerScript: options.workerScript }),
        });
  return {
    name: factory.name,
    async create(setup) {
      const engine = await factory.create(setup);
      // The plan's reasons go with the engine into the history and the progress output.
      const planned: TrainingEngine = {
        description: engine.description,
        notice: engine.notice,
        optimizer: engine.optimizer,
        reasons: [...plan.reasons, ...(engine.reasons ?? [])],
        get learningRate() {
          return engine.learningRate;
        },
        step: (batch, stepOptions) => engine.step(batch, stepOptions),
        syncToModel: () => engine.syncToModel(),
        exportOptimizer: () => engine.exportOptimizer(),
        dispose: () => engine.dispose(),
      };
      return planned;
    },
  };
}

/**
 * Options of {@link autoEngine}.
 *
 * @category Training
 */
export interface AutoEngineOptions {
  /**
   * The cores to plan for.
   * @defaultValue `os.availableParallelism()` in Node
   */
  cores?: number;
  /**
   * The worker script. Only needed when running this package from its TypeScript sources.
   * @defaultValue the `parallel-worker.js` shipped with this package
   */
  workerScript?: string | URL;
}

/**
 * The engine that asks {@link planTraining} at the start of each `fit` which engine trains the
 * model fastest (worker threads or in-thread, and how) and uses it; the history records the
 * choice and its reasons. `useBackend` makes it `vae.fit`'s default.
 *
 * @param options - Cores to plan for, worker script.
 * @returns A factory for `fit`'s `engine` option.
 * @example
 * ```ts
 * import { autoEngine, useBackend } from '@vae/backends';
 * import { buildMlpVAE } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * await useBackend('wasm');
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const history = await vae.fit(tf.randomUniform([32, 16]), { batchSize: 16, engine: autoEngine(), verbose: 0 });
 * console.log(history.engine?.description, history.engine?.reasons);
 * ```
 * @category Training
 */
export function autoEngine(options: AutoEngineOptions = {}): TrainingEngineFactory {
  if (options.cores !== undefined && !(Number.isInteger(options.cores) && options.cores >= 1)) {
    throw new ConfigError(`autoEngine: cores must be a positive integer, got ${String(options.cores)}.`, {
      field: 'cores',
      expected: 'a positive integer',
      got: options.cores,
    });
  }
  return {
    name: 'auto',
    async create(setup) {
      const plan = planTraining(setup.model, {
        batchSize: setup.batchSize,
        ...(setup.steps === undefined ? {} : { steps: setup.steps }),
        ...(options.cores === undefined ? {} : { cores: options.cores }),
      });
      return engineOf(plan, options).create(setup);
    },
  };
}
