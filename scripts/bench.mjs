#!/usr/bin/env node
// `pnpm bench [--json file] [--quick]`: the whole benchmark in one run.
//  1. @vae/backends: training throughput of the reference models on stock tfjs cpu, stock tfjs
//     wasm and ours (wasm training kernels, one and two workers), against a GEMM of this machine.
//  2. @vae/bench: vae.fit against a hand-written tfjs loop for each builder's default model, on
//     our wasm path (the library's overhead, and each builder's training throughput), and
//     fitParallel with 2 workers (--parallel) beside vae.fit on one.
// With --json, both results go into one file shaped
// { machinePeakGflops, results: [{ model, backend, trainImagesPerSecond, ... }], fitOverhead: [...] }.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const out = jsonAt >= 0 ? resolve(args[jsonAt + 1] ?? 'bench.json') : undefined;
const quick = args.includes('--quick') ? ['--quick'] : [];
const tmp = mkdtempSync(join(tmpdir(), 'vae-bench-'));
const run = (filter, file, extra = []) =>
  execFileSync('pnpm', ['--filter', filter, 'run', 'bench', '--json', file, ...quick, ...extra], { stdio: 'inherit' });
try {
  const backendsFile = join(tmp, 'backends.json');
  const fitFile = join(tmp, 'fit.json');
  run('@vae/backends', backendsFile);
  run('@vae/bench', fitFile, ['--parallel']);
  const backends = JSON.parse(readFileSync(backendsFile, 'utf8'));
  const fit = JSON.parse(readFileSync(fitFile, 'utf8'));
  const combined = {
    ...backends,
    results: [
      ...backends.results,
      ...fit.results.map((r) => ({
        model: r.model,
        backend: 'ours-1-worker',
        workers: 1,
        batchSize: fit.batchSize,
        trainImagesPerSecond: r.fitImagesPerSecond,
        via: 'vae.fit',
      })),
      ...fit.results
        .filter((r) => r.parallelImagesPerSecond !== undefined)
        .map((r) => ({
          model: r.model,
          backend: `ours-${r.parallelWorkers}-workers`,
          workers: r.parallelWorkers,
          batchSize: fit.batchSize,
          trainImagesPerSecond: r.parallelImagesPerSecond,
          via: 'fitParallel',
        })),
    ],
    fitOverhead: fit.results,
  };
  if (out) {
    writeFileSync(out, `${JSON.stringify(combined, null, 2)}\n`);
    console.log(`bench: wrote ${out}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
