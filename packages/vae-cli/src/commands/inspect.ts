import * as tf from '@tensorflow/tfjs-core';
import { BackendError, type BatchSource, ConfigError, loadVAE, type VAE } from '@vae/core';
import { imageGrid, interpolationStrip, reconstructionGrid } from '@vae/viz';
import { writePng } from '@vae/viz/node';
import { selectBackend } from '../backend/select-backend.js';
import type { CliIO } from '../cli/io.js';
import { type FlagSpecs, helpText, numberFlag, type ParsedFlags, parseFlags, stringFlag } from '../cli/parse.js';
import { count } from '../cli/words.js';
import { batchesWithProgress, loadRunData, type RunData } from '../run/data.js';
import { writeReport } from '../run/pictures.js';
import { progressLine } from '../run/progress.js';
import { openRun, type RunFolder, type RunRecord } from '../run/run-folder.js';
import { shortRunWarnings } from '../run/short-run.js';
import { cleanUpAfter } from './after-training.js';

const RUN_FLAGS: FlagSpecs = {
  run: { type: 'string', value: '<dir>', help: 'a run folder written by vae train (e.g. runs/mlp)' },
  backend: { type: 'string', value: '<name>', help: 'auto | cpu | wasm | node | node-gpu (default: the run’s)' },
};

/** A saved run, opened: its record, model and data. The caller disposes `vae`. */
interface OpenedRun {
  run: RunFolder;
  record: RunRecord;
  vae: VAE;
  data: RunData;
}

async function openSaved(p: ParsedFlags, io: CliIO): Promise<OpenedRun> {
  const run = await openRun('--run', stringFlag(p, 'run'), 'model');
  const record = await run.readRecord();
  const backend = await selectBackend(stringFlag(p, 'backend') ?? record.backend?.name ?? 'auto');
  io.out(`run ${run.shown} (${record.settings.preset}), backend ${backend.name}`);
  const vae = await loadVAE(run.url('model'));
  const data = await loadRunData(record.settings);
  return { run, record, vae, data };
}

function parse(command: string, argv: readonly string[], extra: FlagSpecs, summary: string, io: CliIO) {
  const specs = { ...RUN_FLAGS, ...extra };
  const p = parseFlags(command, argv, specs);
  if (p.values['help']) {
    io.out(helpText(command, summary, specs));
    return undefined;
  }
  return p;
}

function labelsFor(vae: VAE, labels: tf.Tensor1D | undefined): { labels?: tf.Tensor } {
  return vae.numClasses > 0 && labels ? { labels } : {};
}

/** `vae sample`: a grid of new images decoded from N(0, I). */
export async function sampleCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse(
    'sample',
    argv,
    {
      n: { type: 'string', value: '<n>', help: 'how many images (default 64)' },
      seed: { type: 'string', value: '<n>', help: 'seed of the latent draws (default 0)' },
      label: { type: 'string', value: '<class>', help: 'class of a conditional model (default: every class)' },
      temperature: { type: 'string', value: '<t>', help: 'scale of the latent draws (default 1)' },
      out: { type: 'string', value: '<file.png>', help: 'where to write (default <run>/samples-<seed>.png)' },
    },
    'Decode new images from the prior N(0, I) of a saved run.',
    io,
  );
  if (!p) return 0;
  const n = numberFlag('sample', p, 'n', { integer: true, min: 1, max: 4096 }) ?? 64;
  const seed = numberFlag('sample', p, 'seed', { integer: true, min: 0 }) ?? 0;
  const label = numberFlag('sample', p, 'label', { integer: true, min: 0 });
  const temperature = numberFlag('sample', p, 'temperature', { min: 0 }) ?? 1;
  const { run, vae } = await openSaved(p, io);
  try {
    if (label !== undefined && (vae.numClasses === 0 || label >= vae.numClasses)) {
      throw new ConfigError(
        vae.numClasses === 0
          ? 'sample: --label needs a conditional model (preset cvae-beta); this run is unconditional.'
          : `sample: --label must be below ${vae.numClasses}, got ${label}.`,
        { field: 'label', expected: 'a class of the model', got: label },
      );
    }
    const labels =
      vae.numClasses === 0
        ? undefined
        : label !== undefined
          ? label
          : Array.from({ length: n }, (_, i) => i % vae.numClasses);
    const images = vae.sample(n, { seed, temperature, ...(labels !== undefined ? { labels } : {}) });
    const scale = (vae.inputShape[0] ?? 28) > 32 ? 1 : 2;
    const file = stringFlag(p, 'out') ?? run.path(`samples-${seed}.png`);
    await writePng(
      file,
      imageGrid(images, {
        columns: vae.numClasses > 0 && label === undefined ? vae.numClasses : Math.ceil(Math.sqrt(n)),
        scale,
      }),
    );
    images.dispose();
    io.out(`wrote ${file}`);
    return 0;
  } finally {
    vae.dispose();
  }
}

/** `vae reconstruct`: held-out examples beside their reconstructions. */
export async function reconstructCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse(
    'reconstruct',
    argv,
    {
      n: { type: 'string', value: '<n>', help: 'how many examples (default 16)' },
      out: { type: 'string', value: '<file.png>', help: 'where to write (default <run>/reconstructions.png)' },
    },
    'Encode held-out examples and decode them again; originals and reconstructions side by side.',
    io,
  );
  if (!p) return 0;
  const n = numberFlag('reconstruct', p, 'n', { integer: true, min: 1, max: 1024 }) ?? 16;
  const { run, vae, data } = await openSaved(p, io);
  try {
    const { x, labels } = await data.showcase.take(n).toTensors();
    const xHat = vae.reconstruct(x, labelsFor(vae, labels));
    const scale = (vae.inputShape[0] ?? 28) > 32 ? 1 : 2;
    const file = stringFlag(p, 'out') ?? run.path('reconstructions.png');
    await writePng(file, reconstructionGrid(x, xHat, { columns: 8, scale }));
    tf.dispose([x, xHat, ...(labels ? [labels] : [])]);
    io.out(`wrote ${file}`);
    return 0;
  } finally {
    vae.dispose();
  }
}

/** `vae interpolate`: a walk through latent space between two held-out examples. */
export async function interpolateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse(
    'interpolate',
    argv,
    {
      from: { type: 'string', value: '<i>', help: 'index of the first held-out example (default 0)' },
      to: { type: 'string', value: '<j>', help: 'index of the second (default 1)' },
      steps: { type: 'string', value: '<n>', help: 'images along the way, ends included (default 10)' },
      out: { type: 'string', value: '<file.png>', help: 'where to write (default <run>/interpolation-<i>-<j>.png)' },
    },
    'Encode two held-out examples and decode the straight path between their latent codes.',
    io,
  );
  if (!p) return 0;
  const from = numberFlag('interpolate', p, 'from', { integer: true, min: 0 }) ?? 0;
  const to = numberFlag('interpolate', p, 'to', { integer: true, min: 0 }) ?? 1;
  const steps = numberFlag('interpolate', p, 'steps', { integer: true, min: 2, max: 100 }) ?? 10;
  const { run, vae, data } = await openSaved(p, io);
  try {
    const size = data.showcase.size;
    if (from >= size || to >= size) {
      throw new ConfigError(
        `interpolate: --from and --to must be below ${size} (the held-out examples), got ${from} and ${to}.`,
        {
          field: 'from',
          expected: `an index below ${size}`,
          got: Math.max(from, to),
        },
      );
    }
    const { x, labels } = await data.showcase.subset([from, to]).toTensors();
    const a = tf.slice(x, 0, 1);
    const b = tf.slice(x, 1, 1);
    const conditional =
      vae.numClasses > 0 && labels ? { labels: tf.slice(labels, 0, 1), labelFormat: 'index' as const } : {};
    const scale = (vae.inputShape[0] ?? 28) > 32 ? 1 : 2;
    const file = stringFlag(p, 'out') ?? run.path(`interpolation-${from}-${to}.png`);
    await writePng(file, interpolationStrip(vae, a, b, { steps, scale, ...conditional }));
    tf.dispose([x, a, b, ...(labels ? [labels] : []), ...('labels' in conditional ? [conditional.labels] : [])]);
    io.out(`wrote ${file}`);
    return 0;
  } finally {
    vae.dispose();
  }
}

/** `vae eval`: negative ELBO and importance-weighted NLL on held-out data, with a progress line for each. */
export async function evalCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse(
    'eval',
    argv,
    {
      limit: { type: 'string', value: '<n>', help: 'held-out examples to use (default 1000)' },
      'importance-samples': { type: 'string', value: '<k>', help: 'samples of the IWAE bound (default 100)' },
      seed: { type: 'string', value: '<n>', help: 'seed of the sampling noise (default 0)' },
    },
    'Evaluate a saved run: negative ELBO (nats, bits/dim) and the importance-weighted NLL estimate.',
    io,
  );
  if (!p) return 0;
  const limit = numberFlag('eval', p, 'limit', { integer: true, min: 1 }) ?? 1000;
  const k = numberFlag('eval', p, 'importance-samples', { integer: true, min: 1, max: 100000 }) ?? 100;
  const seed = numberFlag('eval', p, 'seed', { integer: true, min: 0 }) ?? 0;
  const { run, vae, data } = await openSaved(p, io);
  let failed = false;
  try {
    const source = data.validation ?? data.showcase;
    const { x, labels } = await source.take(limit).toTensors();
    const conditional = vae.numClasses > 0 ? labels : undefined;
    try {
      const n = x.shape[0] as number;
      const what = data.validation
        ? `${count(n)} ${data.validationNoun}${n < limit ? ' (all the run has)' : ''}`
        : data.showcaseWords(n);
      io.out(`evaluating on ${what}: the negative ELBO, then the importance-weighted NLL with k = ${k}`);
      const measure = async <T>(label: string, batchSize: number, compute: (data: BatchSource) => Promise<T>) => {
        const line = progressLine(label, Math.ceil(n / batchSize), { write: io.write, live: io.isTTY });
        const result = await compute(batchesWithProgress(x, conditional, (size) => line.advance(size)));
        line.done();
        return result;
      };
      const elbo = await measure('negative ELBO', 100, (batches) => vae.evaluate(batches, { batchSize: 100, seed }));
      io.out(
        `negative ELBO: ${elbo.loss.toFixed(3)} nats (reconstruction ${elbo.reconstruction.toFixed(3)}, KL ${elbo.kl.toFixed(3)}), ${elbo.bitsPerDim.toFixed(4)} bits/dim`,
      );
      const nll = await measure(`importance-weighted NLL (k = ${k})`, 50, (batches) =>
        vae.estimateNll(batches, { importanceSamples: k, batchSize: 50, seed }).catch((error: unknown) => {
          throw withEvalFlags(error, run, k);
        }),
      );
      io.out(`importance-weighted NLL (k = ${k}): ${nll.nll.toFixed(3)} nats, ${nll.bitsPerDim.toFixed(4)} bits/dim`);
      const result = { examples: n, negativeElbo: elbo, nll, date: new Date().toISOString() };
      await run.writeJson('eval.json', result);
      io.out(`wrote ${run.shown}/eval.json`);
      return 0;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      cleanUpAfter(failed, () => tf.dispose([x, ...(labels ? [labels] : [])]));
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    cleanUpAfter(failed, () => vae.dispose());
  }
}

/** A backend failure of `vae eval`'s NLL, with the flag that makes the work smaller. */
function withEvalFlags(error: unknown, run: RunFolder, k: number): unknown {
  if (!BackendError.isInstance(error)) return error;
  return new BackendError(
    `eval --run ${run.shown}: ${error.message} With vae eval, pass a smaller --importance-samples (now ${k}).`,
    { backend: error.backend, cause: error },
  );
}

/** `vae report`: (re)writes the HTML report of a saved run. */
export async function reportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('report', argv, {}, 'Write report.html for a saved run from its model, history and config.', io);
  if (!p) return 0;
  const { run, record, vae, data } = await openSaved(p, io);
  try {
    const history = await run.readHistory();
    const warnings = shortRunWarnings({ settings: record.settings, steps: record.steps, epochs: history });
    const { x, labels } = await data.showcase.toTensors();
    try {
      await writeReport(run, vae, record, history, { x, labels, source: data.showcaseSource }, [], warnings);
    } finally {
      tf.dispose([x, ...(labels ? [labels] : [])]);
    }
    io.out(`wrote ${run.shown}/report.html`);
    return 0;
  } finally {
    vae.dispose();
  }
}
