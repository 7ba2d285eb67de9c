// The CLI as users get it from the registry: every published package packed with `pnpm pack`, the
// tarballs installed with plain npm into an empty folder (nothing else added: the CLI brings
// TensorFlow.js and sharp itself), and the installed `node_modules/.bin/vae` run there.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarballs, packAll } from '../../../scripts/pack-tarballs.mjs';
import type { CliResult } from './helpers.js';

let root: string;
let project: string;
let tarball: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vae-cli-published-'));
  project = join(root, 'project');
  mkdirSync(project);
  const tarballs = packAll(join(root, 'tarballs'));
  tarball = tarballs['@vae/cli'] as string;
  // Every tarball is listed so that npm's overrides point @vae/cli's own @vae/* dependencies at them.
  installTarballs(project, tarballs);
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Runs the installed `vae` in the project folder, without the npm/pnpm variables of this test run. */
function vae(args: readonly string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  const child = spawn(join(project, 'node_modules', '.bin', 'vae'), args, {
    cwd: project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function sizeOf(...parts: string[]): number {
  try {
    return statSync(join(project, ...parts)).size;
  } catch {
    return 0;
  }
}

/** The packages the built CLI imports (static and dynamic imports of bare specifiers, not Node's own modules). */
function importedPackages(code: string): Set<string> {
  const specifiers = [
    ...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1] as string);
  const names = new Set<string>();
  for (const spec of specifiers) {
    if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] as string))
      continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
  }
  return names;
}

describe('@vae/cli from its packed tarball, installed with npm into an empty folder', () => {
  it('ships the built CLI as bin `vae` and declares every package it imports as a dependency', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/dist/cli.js', 'package/README.md']));
    expect(files.some((f) => f.includes('/src/') || f.includes('/test/'))).toBe(false);
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.bin).toEqual({ vae: './dist/cli.js' });
    const dependencies = manifest.dependencies as Record<string, string>;
    for (const range of Object.values(dependencies)) expect(range).not.toMatch(/^workspace:/);
    const installed = readFileSync(join(project, 'node_modules', '@vae', 'cli', 'dist', 'cli.js'), 'utf8');
    expect(installed.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const imported = [...importedPackages(installed)].sort();
    expect(imported).toEqual(
      expect.arrayContaining(['@tensorflow/tfjs-core', '@vae/backends', '@vae/core', '@vae/datasets', '@vae/viz']),
    );
    expect(imported.filter((name) => !(name in dependencies))).toEqual([]);
    // One TensorFlow.js engine: every package resolves the same tfjs-core.
    const cores = readdirSync(join(project, 'node_modules'), { recursive: true, encoding: 'utf8' }).filter((p) =>
      p.endsWith(join('@tensorflow', 'tfjs-core', 'package.json')),
    );
    expect(cores).toEqual([join('@tensorflow', 'tfjs-core', 'package.json')]);
  });

  it('vae --help exits 0 and lists the commands and presets', async () => {
    const r = await vae(['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const command of ['demo', 'train', 'sample', 'reconstruct', 'interpolate', 'eval', 'report']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${command} +\\S`, 'm'));
    }
    for (const preset of ['keras-mnist', 'conv-leaky-mse', 'lstm', 'cars128', 'mlp', 'cvae-beta']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}${preset} +\\S`, 'm'));
    }
  });

  it('trains a tiny run, then sample, eval and report write their files into the run folder', async () => {
    const trained = await vae(['train', '--preset', 'mlp', '--limit', '64', '--batch-size', '32', '--epochs', '1']);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/^backend: wasm \(with training kernels/m);
    expect(trained.stdout).toContain('run folder: runs/mlp');
    for (const file of [
      'config.json',
      'history.json',
      'report.html',
      'loss.svg',
      'samples.png',
      'reconstructions.png',
      'model/vae.json',
      'model/decoder/weights.bin',
      'checkpoint/vae.json',
    ]) {
      expect(sizeOf('runs', 'mlp', file), file).toBeGreaterThan(0);
    }
    const record = JSON.parse(readFileSync(join(project, 'runs', 'mlp', 'config.json'), 'utf8'));
    expect(record.status).toBe('completed');
    expect(record.steps).toBe(2);

    const sampled = await vae(['sample', '--run', 'runs/mlp', '--n', '9', '--seed', '7']);
    expect(sampled.stderr).toBe('');
    expect(sampled.code).toBe(0);
    expect(sampled.stdout).toContain(`wrote ${join(project, 'runs', 'mlp', 'samples-7.png')}`);
    const png = readFileSync(join(project, 'runs', 'mlp', 'samples-7.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');

    const evaluated = await vae(['eval', '--run', 'runs/mlp', '--limit', '16', '--importance-samples', '3']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(0);
    const evaluation = JSON.parse(readFileSync(join(project, 'runs', 'mlp', 'eval.json'), 'utf8'));
    expect(evaluation.examples).toBe(16);
    expect(evaluation.nll.importanceSamples).toBe(3);

    rmSync(join(project, 'runs', 'mlp', 'report.html'));
    const reported = await vae(['report', '--run', 'runs/mlp']);
    expect(reported.stderr).toBe('');
    expect(reported.code).toBe(0);
    const html = readFileSync(join(project, 'runs', 'mlp', 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<img class="picture" src="data:image/png;base64,');
  });
});
