import * as tf from '@tensorflow/tfjs-core';
import { engineOf, planTraining, type TrainingPlan } from '@vae/backends';
import {
  BackendError,
  type Callback,
  ConfigError,
  type History,
  loadCheckpoint,
  modelCheckpoint,
  piecewiseConstant,
  progressReporter,
  type ResumeState,
  type VAE,
} from '@vae/core';
import { type SelectedBackend, selectBackend } from '../backend/select-backend.js';
import type { CliIO } from '../cli/io.js';
import { type FlagSpecs, helpText, numberFlag, type ParsedFlags, parseFlags, stringFlag } from '../cli/parse.js';
import { plural } from '../cli/words.js';
import { type Baseline, baselineOf } from '../run/baseline.js';
import { buildModel } from '../run/build-model.js';
import { loadRunData, withoutLabels } from '../run/data.js';
import { evaluateHeldOut } from '../run/held-out.js';
import { RUN_LOG_FILES, runLoggers } from '../run/loggers.js';
import { recordProgress, type Showcase, type TrainingPictures, writePictures, writeReport } from '../run/pictures.js';
import { PRESET_NAMES } from '../run/presets.js';
import { formatSeconds } from '../run/progress.js';
import { mergeSettings, overlaySettings, parseSigma, presetSettings, readConfigFile } from '../run/resolve-settings.js';
import { openRun, RunFolder, type RunRecord, restoredRecord } from '../run/run-folder.js';
import { scatterFrame } from '../run/scatter-frame.js';
import type { TrainSettings } from '../run/settings.js';
import { shortRunWarnings } from '../run/short-run.js';
import { learnedSigma, likelihoodWords, writeupLoss } from '../run/writeup-loss.js';
import { cleanUpAfter, type FinishingStage, recordFailure } from './after-training.js';

/** Flags of `vae train` (and `vae demo`). */
export const TRAIN_FLAGS: FlagSpecs = {
  preset: { type: 'string', value: '<name>', help: `one of ${PRESET_NAMES.join(', ')}` },
  config: { type: 'string', value: '<file.json>', help: 'settings from a JSON file (flags win over it)' },
  out: { type: 'string', value: '<dir>', help: 'run folder (default runs/<preset>)' },
  resume: { type: 'string', value: '<run>', help: 'continue an interrupted or finished run from its checkpoint' },
  backend: { type: 'string', value: '<name>', help: 'auto | cpu | wasm | node | node-gpu (default auto)' },
  workers: {
    type: 'string',
    value: '<n>',
    help: 'train on n worker threads (wasm only; default: the training plan, printed at the start)',
  },
  data: { type: 'string', value: '<dir>', help: 'image folder (cars128)' },
  limit: { type: 'string', value: '<n>', help: 'train on the first n examples' },
  epochs: { type: 'string', value: '<n>', help: 'epochs to train' },
  iterations: { type: 'string', value: '<n>', help: 'stop after n optimizer steps' },
  every: { type: 'string', value: '<n>', help: 'loss and pictures every n iterations' },
  'batch-size': { type: 'string', value: '<n>', help: 'examples per batch' },
  'latent-dim': { type: 'string', value: '<n>', help: 'size of the latent space' },
  lr: { type: 'string', value: '<rate>', help: "Adam's learning rate" },
  seed: { type: 'string', value: '<n>', help: 'seed of weights, shuffles and noise' },
  beta: { type: 'string', value: '<b>', help: 'weight of the KL term (beta-VAE)' },
  'validation-split': { type: 'string', value: '<f>', help: 'fraction of training data held out' },
  'image-size': { type: 'string', value: '<px>', help: 'side of the square images of --data' },
  likelihood: { type: 'string', value: '<name>', help: 'bernoulli (BCE) | gaussian (MSE)' },
  sigma: {
    type: 'string',
    value: '<s|learned>',
    help: 'Gaussian likelihood only: fixed standard deviation per pixel (> 0; smaller weights the squared error more: 1/sqrt(2) minimises SSE + KL), or learned',
  },
};

/** Flags that may change when resuming; the model and data must stay as they were. */
const RESUMABLE = new Set(['resume', 'epochs', 'iterations', 'every', 'backend', 'workers']);

/**
 * How the run trains: `planTraining` of @vae/backends (the library's one policy) for this model,
 * backend and batch size, with `--workers` when given. A worker count the backend cannot run is
 * a usage error that names the flags that fix it.
 */
function planRun(
  command: string,
  vae: VAE,
  s: TrainSettings,
  backend: SelectedBackend,
  workers: number | undefined,
  steps: number,
): TrainingPlan {
  try {
    return planTraining(vae, {
      backend: backend.name,
      batchSize: s.batchSize,
      steps,
      ...(workers === undefined ? {} : { workers }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError && error.field === 'workers' && backend.name !== 'wasm')) throw error;
    throw new ConfigError(
      `${command} --workers ${workers}: training on several workers needs the wasm backend, but the run uses ${backend.name}${s.backend === 'auto' ? ' (chosen by --backend auto)' : ''}. Pass --backend wasm, or --workers 1.`,
      { field: 'workers', expected: '1, or --backend wasm', got: workers, cause: error },
    );
  }
}

/** Reads the flags that override settings. */
function flagOverrides(command: string, p: ParsedFlags): Partial<TrainSettings> {
  const o: Partial<TrainSettings> = {};
  const int = (name: string, min = 1) => numberFlag(command, p, name, { integer: true, min });
  const set = <K extends keyof TrainSettings>(key: K, value: TrainSettings[K] | undefined) => {
    if (value !== undefined) o[key] = value;
  };
  set('limit', int('limit'));
  set('epochs', int('epochs'));
  set('iterations', int('iterations'));
  set('every', int('every'));
  set('batchSize', int('batch-size'));
  set('latentDim', int('latent-dim'));
  set('lr', numberFlag(command, p, 'lr', { min: 1e-12, max: 10 }));
  set('seed', numberFlag(command, p, 'seed', { integer: true, min: 0, max: 2 ** 31 - 1 }));
  set('beta', numberFlag(command, p, 'beta', { min: 0 }));
  set('validationSplit', numberFlag(command, p, 'validation-split', { min: 0, max: 0.9 }));
  set('imageSize', int('image-size', 4));
  set('data', stringFlag(p, 'data'));
  set('backend', stringFlag(p, 'backend'));
  const likelihood = stringFlag(p, 'likelihood');
  if (likelihood !== undefined) {
    if (likelihood !== 'bernoulli' && likelihood !== 'gaussian') {
      throw new ConfigError(`${command}: --likelihood must be bernoulli or gaussian, got '${likelihood}'.`, {
        field: 'likelihood',
        expected: 'bernoulli | gaussian',
        got: likelihood,
      });
    }
    o.likelihood = likelihood;
  }
  const sigma = stringFlag(p, 'sigma');
  if (sigma !== undefined) o.sigma = parseSigma(`${command}: --sigma`, sigma);
  return o;
}

/** What a prepared run holds before training starts. */
interface Prepared {
  settings: TrainSettings;
  run: RunFolder;
  resume: { record: RunRecord } | undefined;
  /** The settings the description was written for (a resumed run keeps its own). */
  baseline: Baseline | undefined;
}

async function prepare(command: string, p: ParsedFlags, defaults: Partial<TrainSettings>): Promise<Prepared> {
  const resumeDir = stringFlag(p, 'resume');
  // A run whose config.json is corrupt resumes with its settings given again (--preset, --config).
  let restoring: RunFolder | undefined;
  if (resumeDir !== undefined) {
    const run = await openRun('--resume', resumeDir, 'checkpoint');
    const read = await run.tryReadRecord();
    const settingsGiven = stringFlag(p, 'preset') !== undefined || stringFlag(p, 'config') !== undefined;
    if ('problem' in read && !settingsGiven) throw read.problem;
    const allowed = 'problem' in read ? (k: string) => k !== 'out' : (k: string) => RESUMABLE.has(k);
    const extra = Object.keys(p.values).filter((k) => p.values[k] !== undefined && !allowed(k));
    if (extra.length > 0) {
      throw new ConfigError(
        `${command} --resume: --${extra[0]} cannot change when resuming; only --epochs, --iterations, --every, --backend and --workers can. Start a new run with --out instead.`,
        { field: extra[0] as string, expected: 'no change', got: p.values[extra[0] as string] },
      );
    }
    if ('record' in read) {
      const settings = mergeSettings(read.record.settings, flagOverrides(command, p));
      return { settings, run, resume: { record: read.record }, baseline: read.record.baseline };
    }
    restoring = run;
  }
  const fromFile = stringFlag(p, 'config') !== undefined ? await readConfigFile(stringFlag(p, 'config') as string) : {};
  const presetName = stringFlag(p, 'preset') ?? fromFile.preset ?? defaults.preset;
  if (presetName === undefined) {
    throw new ConfigError(`${command}: pass --preset <name>, one of ${PRESET_NAMES.join(', ')}.`, {
      field: 'preset',
      expected: PRESET_NAMES.join(' | '),
      got: undefined,
    });
  }
  const settings = mergeSettings(presetSettings(presetName), defaults, fromFile, flagOverrides(command, p));
  // The description speaks for the preset with the command's defaults, or for a --config file
  // that brings its own; whatever else the file and the flags change, the report lists.
  const described = fromFile.description !== undefined;
  const baseline = baselineOf(
    described
      ? `the settings of ${stringFlag(p, 'config')}`
      : defaults.description !== undefined
        ? `the ${command} run`
        : `the ${presetName} preset`,
    overlaySettings(presetSettings(presetName), defaults, described ? fromFile : {}),
  );
  if (restoring !== undefined) {
    return { settings, run: restoring, resume: { record: restoredRecord(settings) }, baseline };
  }
  const run = new RunFolder(stringFlag(p, 'out') ?? `runs/${settings.preset}`);
  return { settings, run, resume: undefined, baseline };
}

async function loadResume(run: RunFolder): Promise<{ vae: VAE; state: ResumeState }> {
  const { vae, resume } = await loadCheckpoint(run.url('checkpoint'));
  return { vae, state: resume };
}

/**
 * `vae train`: builds (or resumes) a model from a preset, trains it with a progress bar and
 * checkpoints, and writes the run folder: model, config.json, history.json, pictures, report.html.
 * Ctrl-C stops after the current batch, writes a checkpoint and exits with status 130.
 */
export async function trainCommand(
  argv: readonly string[],
  io: CliIO,
  defaults: Partial<TrainSettings> = {},
  command = 'train',
): Promise<number> {
  const p = parseFlags(command, argv, TRAIN_FLAGS);
  if (p.values['help']) {
    io.out(
      helpText(
        command,
        'Train a VAE from a preset and write a run folder with the model, pictures and a report.',
        TRAIN_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positionals.length > 0) {
    throw new ConfigError(`${command}: unexpected argument '${p.positionals[0]}'. Flags start with --.`, {
      field: 'argument',
      expected: 'flags only',
      got: p.positionals[0],
    });
  }
  const clock = Date.now();
  const prepared = await prepare(command, p, defaults);
  const { settings: s, run } = prepared;
  let backend = await selectBackend(s.backend);
  const conv = s.model === 'conv' || (s.model === 'conditional' && s.architecture['variant'] === 'conv');
  if (conv && backend.name === 'wasm' && !backend.wasmTrainingKernels) {
    // Stock wasm lacks Conv2DBackpropFilter: a conv model cannot train on it.
    if (s.backend !== 'auto') {
      throw new BackendError(
        `--backend wasm: this build has no wasm training kernels, and a conv model cannot train on stock wasm (Conv2DBackpropFilter is missing). Use --backend cpu (slow) or --backend auto.`,
        { backend: 'wasm' },
      );
    }
    io.out('backend wasm has no conv training kernels here: using cpu (slow for conv models).');
    backend = await selectBackend('cpu');
  }
  if (backend.skipped.length > 0) {
    const names = backend.skipped.map((k) => k.backend).join(', ');
    io.out(`backend auto: skipped ${names} (not installed or not starting; --backend <name> says why).`);
  }
  io.out(
    `backend: ${backend.name}${backend.name === 'wasm' ? (backend.wasmTrainingKernels ? ` (with training kernels${backend.fusedMultiplyAdd ? ', fused multiply-add' : ''})` : ' (stock kernels)') : ''}`,
  );
  const workers = numberFlag(command, p, 'workers', { integer: true, min: 1 });
  const data = await loadRunData(s);
  io.out(`data: ${data.describe}`);

  // The checkpoint loads after the backend is chosen, so its weights live on that backend.
  const resumed = prepared.resume ? await loadResume(run) : undefined;
  if (resumed && resumed.state.state.epoch >= s.epochs && s.iterations === null) {
    resumed.vae.dispose();
    throw new ConfigError(
      `${command} --resume ${run.shown}: the checkpoint has already trained ${resumed.state.state.epoch} of ${plural(s.epochs, 'epoch')}. Pass --epochs with a larger number to train further.`,
      { field: 'epochs', expected: `more than ${resumed.state.state.epoch}`, got: s.epochs },
    );
  }
  const vae = resumed?.vae ?? buildModel(s);
  let plan: TrainingPlan;
  try {
    // The steps this run will take (a run too short to repay starting workers trains in-thread).
    const batches = Math.ceil(data.train.size / s.batchSize);
    const done = resumed?.state.state.step ?? 0;
    const steps = Math.max(0, (s.iterations ?? s.epochs * batches) - done);
    plan = planRun(command, vae, s, backend, workers, steps);
  } catch (error) {
    vae.dispose();
    throw error;
  }
  const showcaseTensors = await data.showcase.toTensors();
  const showcase: Showcase = { x: showcaseTensors.x, labels: showcaseTensors.labels, source: data.showcaseSource };
  await run.create();
  const params = vae.countParams().total;
  io.out(
    `model: ${s.model} VAE, latent ${s.latentDim}, ${params.toLocaleString('en-US')} parameters, ${likelihoodWords(vae.likelihood.toConfig())}`,
  );
  if (s.printSummary) vae.summary({ printFn: (line) => io.out(line) });

  const previous = prepared.resume?.record;
  const record: RunRecord = {
    settings: s,
    backend: { name: backend.name, tfjsName: backend.tfjsName, wasmTrainingKernels: backend.wasmTrainingKernels },
    workers: plan.workers,
    status: 'running',
    seconds: previous?.seconds ?? 0,
    steps: resumed?.state.state.step ?? 0,
    params,
    started: previous?.started ?? new Date().toISOString(),
    updated: new Date().toISOString(),
    ...(prepared.baseline ? { baseline: prepared.baseline } : {}),
  };
  await run.writeJson('config.json', record);

  const batchesPerEpoch = Math.ceil(data.train.size / s.batchSize);
  const epochs = s.iterations === null ? s.epochs : Math.min(s.epochs, Math.ceil(s.iterations / batchesPerEpoch));
  const dims = vae.inputShape.reduce((a, b) => a * b, 1);
  const writeup = writeupLoss(vae.likelihood.toConfig(), dims, s.beta);
  const during: TrainingPictures = { progress: [], latentFrames: [], iterationLosses: [] };
  const fixed = tf.slice(showcase.x, 0, Math.min(16, showcase.x.shape[0] as number));
  const fixedLabels =
    vae.numClasses > 0 && showcase.labels ? tf.slice(showcase.labels, 0, fixed.shape[0] as number) : undefined;

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) {
      io.err('\ninterrupted twice: quitting without a checkpoint.\n');
      process.exit(130);
    }
    io.err('\nCtrl-C: stopping after this batch and writing a checkpoint (Ctrl-C again to quit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const callbacks: Callback[] = [
    progressReporter({ write: io.write, live: io.isTTY, heartbeatSeconds: 15 }),
    modelCheckpoint({ path: run.url('checkpoint') }),
    ...runLoggers(run, { resumed: resumed !== undefined }),
  ];
  callbacks.push({
    async onTrainBegin(context) {
      record.engine = { description: context.engine.description, reasons: [...plan.reasons] };
      await run.writeJson('config.json', record);
    },
    async onEpochEnd(_logs, context) {
      await run.writeJson('history.json', { epochs: context.history.epochs, steps: context.history.steps });
    },
    async onTrainEnd(history, context) {
      if (history.stopReason === 'aborted') await context.saveCheckpoint(run.url('checkpoint'));
    },
  });
  if (s.every !== null || s.iterations !== null) {
    const every = s.every;
    const iterations = s.iterations;
    callbacks.push({
      async onTrainBegin(context) {
        // The untrained model first (a fresh run), as the progress animations of the write-ups start.
        if (every !== null && s.pictures.includes('progress') && context.history.steps === 0)
          await recordProgress(run, vae, 0, fixed, fixedLabels, during);
      },
      async onBatchEnd(logs, context) {
        if (every !== null && logs.step % every === 0) {
          during.iterationLosses.push({
            iteration: logs.step,
            loss: logs.loss,
            reconstruction: logs.reconstruction,
            kl: logs.kl,
          });
          if (s.pictures.includes('progress')) {
            // On workers the model's weights are only brought up to date when asked.
            await context.syncModel();
            await recordProgress(run, vae, logs.step, fixed, fixedLabels, during);
          }
          io.write(
            `${io.isTTY ? '\r' : ''}iteration ${logs.step}${iterations !== null ? `/${iterations}` : ''}  loss ${logs.loss.toFixed(3)}  rec ${logs.reconstruction.toFixed(3)}  kl ${logs.kl.toFixed(3)}${writeup ? `  ${writeup.name} ${writeup.value(logs.reconstruction, logs.kl).toFixed(3)}` : ''}${io.isTTY ? '                    ' : ''}\n`,
          );
        }
        if (iterations !== null && logs.step >= iterations) context.stop('callback');
      },
    });
  }
  if (s.pictures.includes('latent-gif') && vae.latentDim === 2 && showcase.labels) {
    const frame = () => {
      const labels = vae.numClasses > 0 ? showcase.labels : undefined;
      const { mean, logVar } = vae.encode(showcase.x, labels ? { labels } : {});
      const image = scatterFrame(mean.dataSync(), (showcase.labels as tf.Tensor1D).dataSync());
      tf.dispose([mean, logVar]);
      return image;
    };
    callbacks.push({
      onTrainBegin() {
        during.latentFrames.push(frame());
      },
      onEpochEnd() {
        during.latentFrames.push(frame());
      },
    });
  }

  const budget =
    s.iterations === null
      ? plural(epochs, 'epoch')
      : `${plural(s.iterations, 'iteration')} (at most ${plural(epochs, 'epoch')})`;
  io.out(
    `${prepared.resume ? 'resuming' : 'training'} ${s.preset}: ${budget}, batch ${s.batchSize}, lr ${s.lr}${s.lrDecay ? ` then ${s.lr * s.lrDecay.factor} from epoch ${s.lrDecay.at}` : ''}, beta ${s.beta}, seed ${s.seed}`,
  );
  io.out(`run folder: ${run.shown}`);
  const trainStart = Date.now();
  let history: History;
  try {
    const conditional = vae.numClasses > 0;
    const train = conditional ? data.train : withoutLabels(data.train);
    const validation = data.validation && (conditional ? data.validation : withoutLabels(data.validation));
    const options = {
      epochs,
      batchSize: s.batchSize,
      seed: s.seed,
      ...(validation ? { validationData: validation } : {}),
      learningRate: s.lrDecay
        ? piecewiseConstant({ boundaries: [s.lrDecay.at], values: [s.lr, s.lr * s.lrDecay.factor], unit: 'epoch' })
        : s.lr,
      callbacks,
      signal: controller.signal,
      logInterval: s.every !== null ? Math.min(20, s.every) : 20,
      ...(resumed ? { resume: resumed.state } : {}),
    };
    // Yield to the event loop after every batch so Ctrl-C is handled within one batch.
    history = await vae.fit(train, { ...options, engine: engineOf(plan), verbose: 0, yieldEvery: 1 });
  } finally {
    process.off('SIGINT', onSigint);
  }
  record.seconds += (Date.now() - trainStart) / 1000;
  record.steps = history.steps;
  record.updated = new Date().toISOString();
  await run.writeJson('history.json', {
    epochs: history.epochs,
    steps: history.steps,
    stopReason: history.stopReason,
    ...(during.iterationLosses.length > 0 ? { iterations: during.iterationLosses } : {}),
  });

  let stage: FinishingStage = 'saving the model';
  let failed = false;
  try {
    if (history.stopReason === 'aborted') {
      record.status = 'interrupted';
      await run.writeJson('config.json', record);
      io.out(`interrupted after ${plural(history.steps, 'step')}: checkpoint written to ${run.shown}/checkpoint`);
      io.out(`continue with: vae train --resume ${run.shown}`);
      return 130;
    }
    const trained = formatSeconds(record.seconds);
    io.out(`trained ${plural(history.steps, 'step')} in ${trained}; evaluating and drawing...`);
    await vae.save(run.url('model'));
    stage = 'evaluating the model';
    const metrics: Record<string, number | string> = {};
    record.metrics = metrics;
    const last = history.epochs[history.epochs.length - 1];
    if (last) {
      metrics['final training loss (nats)'] = Number(last.loss.toFixed(3));
      if (last.valLoss !== undefined) metrics['final validation loss (nats)'] = Number(last.valLoss.toFixed(3));
      const lines = [`final training loss ${last.loss.toFixed(3)} nats`];
      if (writeup) {
        const train = writeup.value(last.reconstruction, last.kl);
        metrics[`final training ${writeup.label}`] = Number(train.toFixed(3));
        lines.push(`${writeup.name} ${train.toFixed(3)}`);
        if (last.valReconstruction !== undefined && last.valKl !== undefined) {
          const val = writeup.value(last.valReconstruction, last.valKl);
          metrics[`final validation ${writeup.label}`] = Number(val.toFixed(3));
          lines.push(`validation ${writeup.name} ${val.toFixed(3)}`);
        }
      }
      const learned = learnedSigma(vae);
      if (learned !== undefined) {
        metrics['learned sigma (data units)'] = Number(learned.toPrecision(4));
        lines.push(`learned sigma ${learned.toPrecision(4)} (no SSE + KL: the nats depend on the learned variance)`);
      }
      io.out(`${lines.join('; ')}${writeup ? ` (${writeup.name}: the loss as the write-ups print it)` : ''}`);
    }
    const heldOut = await evaluateHeldOut(vae, showcase, data, s.seed);
    if (heldOut) {
      Object.assign(metrics, heldOut.metrics);
      io.out(heldOut.line);
    }
    metrics['training time'] = trained;
    metrics['images per second'] = Number(
      (
        ((history.steps - (resumed?.state.state.step ?? 0)) * s.batchSize) /
        Math.max(1e-9, (Date.now() - trainStart) / 1000)
      ).toFixed(1),
    );
    metrics.backend = backend.name;
    if (history.engine !== undefined) metrics.training = history.engine.description;
    record.status = 'completed';
    const warnings = shortRunWarnings({ settings: s, steps: history.steps, epochs: history.epochs });
    if (warnings.length > 0) {
      io.out('note: expect grey, look-alike pictures from this run:');
      for (const warning of warnings) io.out(`  ${warning}`);
    }
    stage = 'drawing the pictures';
    const { files, extras } = await writePictures(run, vae, s, history.epochs, showcase, during);
    stage = 'writing the report';
    await writeReport(run, vae, record, history.epochs, showcase, extras, warnings);
    record.updated = new Date().toISOString();
    await run.writeJson('config.json', record);
    io.out(`\nwrote ${run.shown}/`);
    for (const f of ['report.html', 'config.json', 'history.json', ...RUN_LOG_FILES, 'model/', 'checkpoint/', ...files])
      io.out(`  ${f}`);
    io.out(`open ${run.shown}/report.html in a browser; done in ${formatSeconds((Date.now() - clock) / 1000)}.`);
    return 0;
  } catch (error) {
    failed = true;
    if (history.stopReason !== 'aborted') await recordFailure(run, record, stage, error, io);
    throw error;
  } finally {
    cleanUpAfter(failed, () => {
      tf.dispose([
        fixed,
        ...(fixedLabels ? [fixedLabels] : []),
        showcase.x,
        ...(showcase.labels ? [showcase.labels] : []),
      ]);
      vae.dispose();
    });
  }
}
