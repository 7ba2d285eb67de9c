#!/usr/bin/env node
// `pnpm bench [--json file] [--quick]`: the whole benchmark in one run.
//  1. PyTorch CPU (tooling/bench/pytorch_reference.py, Debian's python3-torch under /usr/bin/python3)
//     trains the two reference models, the Keras-example conv VAE and the 784-400-20 MLP VAE, with
//     OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, and records the OpenBLAS core type it used.
//     Its figures are the "vs PyTorch" of this run; without PyTorch the column says so.
//  2. @vae/backends: the reference models on stock tfjs cpu, stock tfjs wasm and ours (wasm
//     training kernels, one and two workers), against a GEMM of this machine.
//  3. @vae/bench: each builder's default model through vae.fit in-thread, on 2 workers and on the
//     README path (useBackend('auto'), then vae.fit), and vae.fit against a hand-written loop.
// With --json, everything goes into one file shaped
// { machinePeakGflops, pytorch, results: [{ model, backend, trainImagesPerSecond, ... }], fitOverhead: [...] }.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const INSTALL = 'apt-get install -y python3-torch libopenblas0-openmp';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const out = jsonAt >= 0 ? resolve(args[jsonAt + 1] ?? 'bench.json') : undefined;
const quick = args.includes('--quick') ? ['--quick'] : [];
const tmp = mkdtempSync(join(tmpdir(), 'vae-bench-'));

/** Runs the PyTorch reference into `file`; when it cannot run, writes why ({ available: false, error }). */
function runPytorch(file) {
  const missing = (error) => ({ available: false, error });
  let run;
  if (!existsSync(PYTHON)) run = missing(`no ${PYTHON}`);
  else {
    // OpenBLAS picks its kernels for this CPU only when these are unset (this environment sets them).
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    console.log('PyTorch CPU reference (tooling/bench/pytorch_reference.py) ...');
    const child = spawnSync(PYTHON, [join(root, 'tooling/bench/pytorch_reference.py'), '--json', file, ...quick], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60_000,
    });
    const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
    run =
      line === undefined
        ? missing(`the PyTorch run failed (exit ${child.status ?? child.signal})`)
        : JSON.parse(line.slice(7));
  }
  if (!run.available) run.error = `${run.error}. Install: ${INSTALL}`;
  writeFileSync(file, `${JSON.stringify(run)}\n`);
  return run;
}

function describePytorch(run) {
  if (!run.available) return `no PyTorch: ${run.error}`;
  const rows = run.results.map((r) => {
    const others = Object.entries(r.byThreads)
      .filter(([t]) => Number(t) !== r.threads)
      .map(([t, rate]) => `${t} threads ${rate.toFixed(0)}`);
    return `${r.model} ${r.trainImagesPerSecond.toFixed(0)} images/s on ${r.threads} thread(s)${others.length ? ` (${others.join(', ')})` : ''}, best of ${r.rounds} measurement(s) each, ${r.parameters.toLocaleString('en')} parameters`;
  });
  const sgemm = Object.entries(run.sgemmGflops)
    .map(([t, g]) => `${g.toFixed(0)} GFLOP/s on ${t} thread(s)`)
    .join(', ');
  return (
    `PyTorch ${run.torch} (${run.python}, ${run.cores} cores, ATen ${run.cpuCapability ?? '?'}): ${rows.join('; ')}.\n` +
    `  BLAS: ${run.blas.config ?? run.blas.error} (core ${run.blas.corename ?? 'unknown'}, from openblas_get_corename of ${run.blas.library}); sgemm 2048³ ${sgemm}.`
  );
}

const runBench = (filter, file, extra = []) =>
  execFileSync('pnpm', ['--filter', filter, 'run', 'bench', '--json', file, ...quick, ...extra], { stdio: 'inherit' });

/** One line per builder: the steady rates side by side, the README path against the best, PyTorch. */
function printSummary(fitRows, pytorch) {
  const models = [...new Set(fitRows.map((r) => r.model))];
  const rate = (n) => (n === undefined ? '-' : n.toFixed(n < 100 ? 1 : 0));
  const header = [
    'model',
    'in-thread',
    '2 workers',
    'README path',
    'README / best',
    `README first fit of ${fitRows[0]?.firstFitImages ?? '?'} images (vs best first fit, trained on)`,
    'README 60k-image fit (projected)',
    'PyTorch',
    'best / PyTorch',
    'README path runs on',
  ];
  console.log(
    '\nSummary: images/s at batch 128 through vae.fit. Steady: warm-up and start-up excluded. First fit: a real one-epoch vae.fit in a fresh process,' +
      ' from the call to its return, worker start-up included (the README path lets the plan choose for a run that short).' +
      " 60k-image fit: projected, the row engine's first epoch then its steady rate, over one MNIST epoch." +
      ' PyTorch: this run, same model.' +
      `\n| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`,
  );
  for (const model of models) {
    const of = (backend) => fitRows.find((r) => r.model === model && r.backend === backend);
    const [one, two, readme] = [of('ours-1-worker'), of('ours-2-workers'), of('ours-default')];
    const best = Math.max(one?.trainImagesPerSecond ?? 0, two?.trainImagesPerSecond ?? 0);
    const any = one ?? two ?? readme;
    const torch = pytorch.available ? pytorch.results.find((r) => r.model === any?.reference) : undefined;
    const sameModel = torch !== undefined && torch.parameters === any?.parameters;
    let torchText = '-';
    if (any?.reference !== undefined && !pytorch.available) torchText = 'no PyTorch: apt-get install python3-torch';
    else if (torch !== undefined) torchText = sameModel ? rate(torch.trainImagesPerSecond) : 'not the same model';
    const cells = [
      model,
      rate(one?.trainImagesPerSecond),
      rate(two?.trainImagesPerSecond),
      rate(readme?.trainImagesPerSecond),
      readme === undefined || best === 0 ? '-' : `${((100 * readme.trainImagesPerSecond) / best).toFixed(0)}%`,
      readme === undefined
        ? '-'
        : `${rate(readme.firstFitImagesPerSecond)} (${(
            (100 * readme.firstFitImagesPerSecond) /
              Math.max(one?.firstFitImagesPerSecond ?? 0, two?.firstFitImagesPerSecond ?? 0, 1e-9)
          ).toFixed(0)}%, ${readme.firstFitEngine})`,
      rate(readme?.epochImagesPerSecond),
      torchText,
      sameModel && best > 0 ? `${(best / torch.trainImagesPerSecond).toFixed(2)}x` : '-',
      readme?.engine.description ?? 'fails',
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

try {
  const pytorchFile = join(tmp, 'pytorch.json');
  const backendsFile = join(tmp, 'backends.json');
  const fitFile = join(tmp, 'fit.json');
  const pytorch = runPytorch(pytorchFile);
  console.log(describePytorch(pytorch));
  runBench('@vae/backends', backendsFile, ['--pytorch', pytorchFile]);
  runBench('@vae/bench', fitFile, ['--pytorch', pytorchFile]);
  const backends = JSON.parse(readFileSync(backendsFile, 'utf8'));
  const fit = JSON.parse(readFileSync(fitFile, 'utf8'));
  console.log(`\n${describePytorch(pytorch)}`);
  printSummary(fit.results, pytorch);
  const { results: pytorchRows = [], ...pytorchRun } = pytorch;
  const combined = {
    ...backends,
    pytorch: pytorchRun,
    results: [...backends.results, ...pytorchRows, ...fit.results],
    fitOverhead: fit.results
      .filter((r) => r.overhead !== undefined)
      .map((r) => ({
        model: r.model,
        fitImagesPerSecond: r.trainImagesPerSecond,
        handImagesPerSecond: r.handImagesPerSecond,
        overhead: r.overhead,
      })),
    fitFailures: fit.failures,
  };
  if (out) {
    writeFileSync(out, `${JSON.stringify(combined, null, 2)}\n`);
    console.log(`bench: wrote ${out}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
