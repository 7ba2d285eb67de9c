// Each builder's default model trained by vae.fit of @vae/core three ways, on the same real digits:
//   ours-1-worker   in-thread: engine: engineOf(planTraining(vae, { workers: 1 }))
//   ours-2-workers  engine: workerEngine({ workers: 2 })
//   ours-default    the README path: useBackend('auto'), then vae.fit with no engine option
// and, on the in-thread row, a hand-written tfjs loop of the same model (vae.fit's overhead).
//
// Every row runs in a process of its own (a fresh start, as a user's program has; peak memory per
// row) and is timed the same way, inside one fit call:
//   - start-up: from calling fit to its first batch (a worker engine starts its workers here, on
//     every fit call);
//   - first fit: a real one-epoch vae.fit of the images in the fresh process, as a user sees it
//     (start-up and warm-up included; the engine is the row's, or on the README path the plan's
//     choice for a run that short)
//     (the time to the end of the first epoch, plus the engine's shutdown at the end);
//   - steady: after a warm-up of at least 3 steps and --seconds, the median of --windows windows
//     of about --seconds each (trainImagesPerSecond).
// Usage: pnpm --filter @vae/bench bench [--quick] [--json out.json] [--models mlp,conv]
//        [--images 1024] [--seconds 2] [--windows 3] [--rounds 1] [--pytorch pytorch.json]
// (--quick: 512 images, one window of 0.5 s.)
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { engineOf, planTraining, useBackend, VAEAdam, workerEngine } from '@vae/backends';
import {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  type Callback,
  type EngineInfo,
  type TrainingEngineFactory,
  type VAE,
} from '@vae/core';
import { loadMnist } from '@vae/datasets';

const BATCH_SIZE = 128;
/** A realistic run for the projected figure: one epoch of MNIST's training set. */
const EPOCH_IMAGES = 60_000;

interface Spec {
  name: string;
  build: () => VAE;
  conditional?: boolean;
  /** The reference model of the PyTorch run that this builder's default equals. */
  reference?: 'keras-conv' | 'mlp';
}
const SPECS: Spec[] = [
  { name: 'mlp', build: () => buildMlpVAE({ seed: 1 }), reference: 'mlp' },
  { name: 'conv', build: () => buildConvVAE({ seed: 1 }), reference: 'keras-conv' },
  { name: 'conv-upsample', build: () => buildConvVAE({ seed: 1, decoderKind: 'upsample' }) },
  { name: 'lstm', build: () => buildLstmVAE({ seed: 1 }) },
  { name: 'conditional-mlp', build: () => buildConditionalVAE({ variant: 'mlp', seed: 1 }), conditional: true },
  { name: 'conditional-conv', build: () => buildConditionalVAE({ variant: 'conv', seed: 1 }), conditional: true },
];

/** The three ways a row trains; `backend` is the row's name in the JSON. */
const ROWS = {
  'ours-1-worker': { label: 'in-thread', workers: 1 },
  'ours-2-workers': { label: '2 workers', workers: 2 },
  'ours-default': { label: 'README path', workers: undefined },
} as const;
type RowName = keyof typeof ROWS;

interface ChildConfig {
  model: string;
  row: RowName;
  images: number;
  seconds: number;
  windows: number;
}

interface ChildResult {
  engine: EngineInfo;
  parameters: number;
  useBackendSeconds: number;
  startupSeconds: number;
  /** A real one-epoch fit in a fresh process. */
  firstFitSeconds: number;
  /** What trained that fit. */
  firstFitEngine: string;
  /** The first epoch of the long fit on the row's engine, start-up and shutdown included. */
  firstEpochSeconds: number;
  windowImagesPerSecond: number[];
  cpuImagesPerSecond: number;
  stepsPerWindow: number;
  handImagesPerSecond?: number;
  peakRssMB: number;
}

/** A row of the JSON `results` (the shape `pnpm bench --json` writes). */
export interface FitRow {
  model: string;
  backend: RowName;
  via: 'vae.fit';
  workers: number;
  batchSize: number;
  engine: EngineInfo;
  parameters: number;
  /** Steady rate: warm-up and start-up excluded, median of windows. */
  trainImagesPerSecond: number;
  windowImagesPerSecond: number[];
  /**
   * Images per CPU-second of the process times the cores the row trains on (its workers, or 1):
   * what the row reaches when its cores are not shared with other processes.
   */
  idleCoreImagesPerSecond: number;
  /** From calling fit to its first batch (worker start-up). */
  startupSeconds: number;
  /** A fit of `firstFitImages` images, as a user sees it: start-up, warm-up and shutdown included. */
  firstFitImages: number;
  firstFitSeconds: number;
  /** What trained the first fit (on the README path: the plan's choice for a run that short). */
  firstFitEngine: string;
  firstFitImagesPerSecond: number;
  /**
   * Projected: a fit of one 60,000-image epoch (MNIST's training set), as the first fit measured
   * it and then at the steady rate; start-up and warm-up included, spread over a real epoch.
   */
  epochImagesPerSecond: number;
  peakRssMB: number;
  /** In-thread row only: a hand-written tfjs loop of the same model and optimizer, and vae.fit's overhead over it. */
  handImagesPerSecond?: number;
  overhead?: number;
  /** The PyTorch reference model this builder's default equals. */
  reference?: 'keras-conv' | 'mlp';
}

/** The worker count in an engine's description ('2 workers (wasm, ...)'); 1 in-thread. */
const workersIn = (description: string) => Number(/^(\d+) workers?\b/.exec(description)?.[1] ?? 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Times training steps in windows: a warm-up of at least 3 steps and `seconds` (kernels compile,
 * the engine optimizes hot code, workers settle), then `windows` windows of about `seconds` each,
 * sized from the warm-up's pace.
 */
class StepWindows {
  readonly rates: number[] = [];
  /** Per window: rows per CPU-second of the whole process (workers included). */
  readonly cpuRates: number[] = [];
  stepsPerWindow = 0;
  private started = performance.now();
  private steps = 0;
  private firstStepEnd = 0;
  private windowStart = 0;
  private windowSteps = 0;
  private windowRows = 0;
  private windowCpu = process.cpuUsage();

  constructor(
    private readonly seconds: number,
    private readonly windows: number,
  ) {}

  /** Starts the warm-up clock (a fit's first batch, not its start-up). */
  restart(): void {
    this.started = performance.now();
  }

  get done(): boolean {
    return this.rates.length >= this.windows;
  }

  /** Called after every step with its rows. */
  tick(rows: number): void {
    const now = performance.now();
    this.steps += 1;
    if (this.steps === 1) this.firstStepEnd = now;
    if (this.stepsPerWindow === 0) {
      if (this.steps >= 3 && now - this.started >= this.seconds * 1000) {
        const perStep = (now - this.firstStepEnd) / (this.steps - 1);
        this.stepsPerWindow = Math.max(2, Math.round((this.seconds * 1000) / perStep));
        this.windowStart = now;
        this.windowCpu = process.cpuUsage();
      }
      return;
    }
    if (this.done) return;
    this.windowSteps += 1;
    this.windowRows += rows;
    if (this.windowSteps === this.stepsPerWindow) {
      this.rates.push((this.windowRows * 1000) / (now - this.windowStart));
      const cpu = process.cpuUsage(this.windowCpu);
      this.cpuRates.push((this.windowRows * 1e6) / Math.max(1, cpu.user + cpu.system));
      this.windowCpu = process.cpuUsage();
      this.windowStart = now;
      this.windowSteps = 0;
      this.windowRows = 0;
    }
  }
}

function engineFor(row: RowName, vae: VAE): TrainingEngineFactory | undefined {
  if (row === 'ours-1-worker') return engineOf(planTraining(vae, { workers: 1, batchSize: BATCH_SIZE }));
  if (row === 'ours-2-workers') return workerEngine({ workers: 2 });
  return undefined; // the default useBackend('auto') set
}

/** One fit call: start-up, the first epoch as a user sees it, then steady windows; stops itself. */
async function timeFit(vae: VAE, data: tf.Tensor | { x: tf.Tensor; labels: tf.Tensor }, c: ChildConfig, row: RowName) {
  const timer = new StepWindows(c.seconds, c.windows);
  const called = performance.now();
  let began = 0;
  let firstEpochEnd = 0;
  let trainEnd = 0;
  const timing: Callback = {
    onTrainBegin: () => {
      began = performance.now();
      timer.restart();
    },
    onBatchEnd: (logs, context) => {
      timer.tick(logs.size);
      if (timer.done && firstEpochEnd > 0) context.stop();
    },
    onEpochEnd: (logs, context) => {
      if (logs.epoch === 0) firstEpochEnd = performance.now();
      if (timer.done) context.stop();
    },
    onTrainEnd: () => {
      trainEnd = performance.now();
    },
  };
  const engine = engineFor(row, vae);
  const history = await vae.fit(data, {
    epochs: 1_000_000,
    batchSize: BATCH_SIZE,
    seed: 1,
    verbose: 0,
    callbacks: [timing],
    ...(engine === undefined ? {} : { engine }),
  });
  const returned = performance.now();
  return {
    engine: history.engine as EngineInfo,
    startupSeconds: (began - called) / 1000,
    // A one-epoch fit on this engine would end where this one's first epoch ended, then shut down.
    firstEpochSeconds: (firstEpochEnd - called + (returned - trainEnd)) / 1000,
    windowImagesPerSecond: timer.rates,
    cpuImagesPerSecond: median(timer.cpuRates),
    stepsPerWindow: timer.stepsPerWindow,
  };
}

/** A minimal tfjs loop of the same model and optimizer (VAEAdam), batches in order, timed like fit. */
async function timeHandLoop(vae: VAE, x: tf.Tensor, labels: tf.Tensor | undefined, c: ChildConfig): Promise<number> {
  const timer = new StepWindows(c.seconds, c.windows);
  const optimizer = new VAEAdam(1e-3);
  const vars = vae.trainableVariables;
  const n = x.shape[0] as number;
  let last: tf.Scalar | null = null;
  for (let step = 0; !timer.done; step++) {
    const start = (step * BATCH_SIZE) % n;
    const size = Math.min(BATCH_SIZE, n - start);
    const xb = tf.slice(x, start, size);
    const lb = labels ? tf.slice(labels, start, size) : undefined;
    last?.dispose();
    last = optimizer.minimize(
      () => vae.lossTerms(xb, { ...(lb ? { labels: lb } : {}), seed: step, training: true }).total,
      true,
      vars,
    );
    tf.dispose([xb, ...(lb ? [lb] : [])]);
    // vae.fit reads the losses back every 20 steps (its logInterval); so does this loop.
    if (step % 20 === 19) await last?.data();
    timer.tick(size);
  }
  last?.dispose();
  optimizer.dispose();
  return median(timer.rates);
}

async function child(c: ChildConfig): Promise<ChildResult> {
  const spec = SPECS.find((s) => s.name === c.model) as Spec;
  const t = performance.now();
  await useBackend(c.row === 'ours-default' ? 'auto' : 'wasm');
  const useBackendSeconds = (performance.now() - t) / 1000;
  const { train } = await loadMnist();
  const all = await train.take(c.images).toTensors();
  const labels = spec.conditional ? all.labels : undefined;
  const data = labels ? { x: all.x, labels } : all.x;
  // The first fit as a user sees it: one real epoch through vae.fit in this fresh process, which
  // decides its engine for a run of this length (the plan keeps short runs in-thread).
  const first = spec.build();
  const firstEngine = engineFor(c.row, first);
  const firstCalled = performance.now();
  const firstHistory = await first.fit(data, {
    epochs: 1,
    batchSize: BATCH_SIZE,
    seed: 1,
    verbose: 0,
    ...(firstEngine === undefined ? {} : { engine: firstEngine }),
  });
  const firstFitSeconds = (performance.now() - firstCalled) / 1000;
  first.dispose();
  const vae = spec.build();
  const parameters = vae.trainableVariables.reduce((sum, v) => sum + v.size, 0);
  const fit = {
    ...(await timeFit(vae, data, c, c.row)),
    firstFitSeconds,
    firstFitEngine: (firstHistory.engine as EngineInfo).description,
  };
  const hand = c.row === 'ours-1-worker' ? await timeHandLoop(vae, all.x, labels, c) : undefined;
  vae.dispose();
  return {
    ...fit,
    parameters,
    useBackendSeconds,
    ...(hand === undefined ? {} : { handImagesPerSecond: hand }),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(c: ChildConfig): Promise<ChildResult | { error: string }> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, '--child', JSON.stringify(c)],
      { maxBuffer: 1 << 24, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (line !== undefined) done(JSON.parse(line.slice(7)));
        else done({ error: (stderr.match(/\w*Error[^\n]*/)?.[0] ?? error?.message ?? 'no result').slice(0, 200) });
      },
    );
  });
}

/** What `scripts/bench.mjs` hands over from its PyTorch run: rates by reference model, or why there are none. */
type PytorchFigures = { rates: Record<string, { rate: number; parameters: number }> } | { missing: string };

function readPytorch(file: string | undefined): PytorchFigures {
  if (file === undefined) return { missing: 'no PyTorch run (pnpm bench at the root runs it)' };
  const run = JSON.parse(readFileSync(file, 'utf8')) as {
    available: boolean;
    error?: string;
    results?: Array<{ model: string; trainImagesPerSecond: number; parameters: number }>;
  };
  if (!run.available) return { missing: 'no PyTorch: apt-get install python3-torch' };
  return {
    rates: Object.fromEntries(
      (run.results ?? []).map((r) => [r.model, { rate: r.trainImagesPerSecond, parameters: r.parameters }]),
    ),
  };
}

function versusPytorch(row: FitRow, pytorch: PytorchFigures): string {
  if ('missing' in pytorch) return pytorch.missing;
  const ref = row.reference === undefined ? undefined : pytorch.rates[row.reference];
  if (ref === undefined) return '-';
  // Only a model with PyTorch's exact parameter count is the same model.
  if (ref.parameters !== row.parameters) return `${row.parameters} vs ${ref.parameters} parameters`;
  return `${(row.trainImagesPerSecond / ref.rate).toFixed(2)}x`;
}

const fixed = (n: number) => n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0);

function printTable(rows: FitRow[], failures: string[], pytorch: PytorchFigures): void {
  const header = [
    'model',
    'row',
    'what trained',
    'images/s',
    'idle-core images/s',
    'vs in-thread',
    'first fit of n images: images/s',
    '60k-image fit (projected)',
    'start-up s',
    'peak RSS MB',
    'vs PyTorch',
  ];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
  for (const r of rows) {
    const inThread = rows.find((o) => o.model === r.model && o.backend === 'ours-1-worker');
    console.log(
      `| ${[
        r.model,
        ROWS[r.backend].label,
        r.engine.description,
        fixed(r.trainImagesPerSecond),
        fixed(r.idleCoreImagesPerSecond),
        inThread === undefined ? '-' : `${(r.trainImagesPerSecond / inThread.trainImagesPerSecond).toFixed(2)}x`,
        `${fixed(r.firstFitImagesPerSecond)} (${r.firstFitImages} in ${r.firstFitSeconds.toFixed(1)} s, ${r.firstFitEngine})`,
        fixed(r.epochImagesPerSecond),
        r.startupSeconds.toFixed(2),
        r.peakRssMB.toFixed(0),
        versusPytorch(r, pytorch),
      ].join(' | ')} |`,
    );
  }
  for (const f of failures) console.log(`fails: ${f}`);
  console.log('\nThe README path against the best of in-thread and 2 workers, by each measure (goal: within 10%):');
  for (const spec of SPECS) {
    const readme = rows.find((r) => r.model === spec.name && r.backend === 'ours-default');
    const others = rows.filter((r) => r.model === spec.name && r.backend !== 'ours-default');
    if (readme === undefined || others.length === 0) continue;
    const share = (measure: (r: FitRow) => number) => {
      const ratio = measure(readme) / Math.max(...others.map(measure));
      return `${(100 * ratio).toFixed(0).padStart(3)}%${ratio >= 0.9 ? '' : ' (missed)'}`;
    };
    console.log(
      `  ${spec.name.padEnd(17)} steady ${share((r) => r.trainImagesPerSecond)}, on idle cores ${share((r) => r.idleCoreImagesPerSecond)},` +
        ` first fit of ${readme.firstFitImages} images ${share((r) => r.firstFitImagesPerSecond)} (${readme.firstFitEngine}), 60k-image fit ${share((r) => r.epochImagesPerSecond)}; runs on ${readme.engine.description}`,
    );
  }
  const overheads = rows.filter((r) => r.overhead !== undefined);
  if (overheads.length > 0) {
    console.log('\nvae.fit in-thread against a hand-written tfjs loop (same model, VAEAdam, batches in order):');
    for (const r of overheads) {
      console.log(
        `  ${r.model.padEnd(17)} fit ${fixed(r.trainImagesPerSecond).padStart(7)}  hand loop ${fixed(r.handImagesPerSecond as number).padStart(7)} images/s  overhead ${((r.overhead as number) * 100).toFixed(1)}%`,
      );
    }
  }
}

function rowOf(spec: Spec, name: RowName, r: ChildResult, images: number): FitRow {
  const rate = median(r.windowImagesPerSecond);
  const workers = ROWS[name].workers ?? workersIn(r.engine.description);
  return {
    model: spec.name,
    backend: name,
    via: 'vae.fit',
    workers,
    batchSize: BATCH_SIZE,
    engine: r.engine,
    parameters: r.parameters,
    trainImagesPerSecond: rate,
    windowImagesPerSecond: r.windowImagesPerSecond,
    idleCoreImagesPerSecond: r.cpuImagesPerSecond * workers,
    startupSeconds: r.startupSeconds,
    firstFitImages: images,
    firstFitSeconds: r.firstFitSeconds,
    firstFitImagesPerSecond: images / r.firstFitSeconds,
    firstFitEngine: r.firstFitEngine,
    // One 60,000-image epoch: its first images at the pace of this engine's first epoch, the rest steady.
    epochImagesPerSecond: EPOCH_IMAGES / (r.firstEpochSeconds + (EPOCH_IMAGES - images) / rate),
    peakRssMB: r.peakRssMB,
    ...(r.handImagesPerSecond === undefined
      ? {}
      : { handImagesPerSecond: r.handImagesPerSecond, overhead: 1 - rate / r.handImagesPerSecond }),
    ...(spec.reference === undefined ? {} : { reference: spec.reference }),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const childAt = args.indexOf('--child');
  if (childAt >= 0) {
    let result: ChildResult | { error: string };
    try {
      result = await child(JSON.parse(args[childAt + 1] as string) as ChildConfig);
    } catch (error) {
      result = { error: (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 200) ?? '' };
    }
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  const { values } = parseArgs({
    options: {
      images: { type: 'string' },
      seconds: { type: 'string' },
      windows: { type: 'string' },
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      models: { type: 'string' },
      pytorch: { type: 'string' },
      rounds: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const base = {
    images: Number(values.images ?? (quick ? 512 : 1024)),
    seconds: Number(values.seconds ?? (quick ? 0.5 : 2)),
    windows: Number(values.windows ?? (quick ? 1 : 3)),
    rounds: Number(values.rounds ?? 1),
  };
  const pytorch = readPytorch(values.pytorch);
  const wanted = values.models ? new Set(values.models.split(',')) : null;
  console.log(
    `vae.fit per builder: in-thread, 2 workers and the README path (useBackend('auto'), then vae.fit), batch ${BATCH_SIZE}, ${base.images} MNIST images;` +
      ` each row a fresh process, steady rate = median of ${base.windows} window(s) of ~${base.seconds} s after a warm-up, best of ${base.rounds} round(s).`,
  );
  // Rounds alternate the order of the rows (drift on a shared machine hits each alike); the
  // best round of each row is kept, as interference only slows things down.
  const best = new Map<string, FitRow>();
  const failures: string[] = [];
  for (let round = 0; round < base.rounds; round++) {
    for (const spec of SPECS) {
      if (wanted && !wanted.has(spec.name)) continue;
      const names = Object.keys(ROWS) as RowName[];
      for (const name of round % 2 === 0 ? names : names.reverse()) {
        const r = await runChild({ ...base, model: spec.name, row: name });
        if ('error' in r) {
          failures.push(`${spec.name} ${ROWS[name].label}: ${r.error}`);
          console.log(`  ${spec.name} ${ROWS[name].label}: fails: ${r.error}`);
          continue;
        }
        const row = rowOf(spec, name, r, base.images);
        const key = `${spec.name} ${name}`;
        if ((best.get(key)?.trainImagesPerSecond ?? -1) < row.trainImagesPerSecond) best.set(key, row);
        console.log(
          `  ${spec.name} ${ROWS[name].label} [${r.engine.description}]: ${fixed(row.trainImagesPerSecond)} images/s (${fixed(row.idleCoreImagesPerSecond)} on idle cores); start-up ${r.startupSeconds.toFixed(2)} s, first fit of ${base.images} images ${r.firstFitSeconds.toFixed(2)} s (${r.firstFitEngine}); peak RSS ${r.peakRssMB.toFixed(0)} MB`,
        );
      }
    }
  }
  const rows = SPECS.flatMap((spec) =>
    (Object.keys(ROWS) as RowName[]).flatMap((name) => best.get(`${spec.name} ${name}`) ?? []),
  );
  printTable(rows, failures, pytorch);
  if (values.json) {
    // Relative to where pnpm was started, not to this package.
    const file = resolve(process.env['INIT_CWD'] ?? process.cwd(), values.json);
    writeFileSync(file, `${JSON.stringify({ batchSize: BATCH_SIZE, ...base, results: rows, failures }, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}

await main();
