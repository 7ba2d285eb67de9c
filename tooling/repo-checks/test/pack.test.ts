// Packs every library with `pnpm pack`, installs the tarballs into a fresh project with plain npm
// (peers from the registry, our packages from the tarballs), and imports each one from ESM and
// from CommonJS in a separate Node process. This is what a user's `npm i @vae/core` gets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarballs, packAll, publishedPackages } from '../../../scripts/pack-tarballs.mjs';

const libraries = publishedPackages().filter((lib) => lib.name !== '@vae/cli');
let project: string;
let tarballPaths: Record<string, string> = {};

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'vae-pack-'));
  tarballPaths = packAll(project);
  installTarballs(project, tarballPaths, {
    dependencies: {
      '@tensorflow/tfjs-core': '4.22.0',
      '@tensorflow/tfjs-layers': '4.22.0',
      '@tensorflow/tfjs-backend-cpu': '4.22.0',
    },
  });
  for (const lib of libraries) expect(tarballPaths[lib.name]).toMatch(/\.tgz$/);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function runNode(file: string, code: string): string {
  writeFileSync(join(project, file), code);
  return execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
}

describe('published tarballs', () => {
  it('ship only built files and metadata, with workspace ranges replaced', () => {
    for (const lib of libraries) {
      const tarball = tarballPaths[lib.name] ?? '';
      const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
      expect(files).toContain('package/package.json');
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.cjs');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.some((f) => f.includes('/src/') || f.endsWith('.test.ts'))).toBe(false);
      const manifest = JSON.parse(
        execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
      );
      for (const range of Object.values({ ...manifest.dependencies, ...manifest.peerDependencies }) as string[]) {
        expect(range).not.toMatch(/^workspace:/);
      }
    }
  });

  it.each(libraries.map((l) => l.name))('%s imports from ESM and CommonJS with the same exports', (name) => {
    const esm = runNode(
      'esm.mjs',
      `import '@tensorflow/tfjs-backend-cpu';\nconst m = await import('${name}');\nconsole.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()));\n`,
    );
    const cjs = runNode(
      'cjs.cjs',
      `require('@tensorflow/tfjs-backend-cpu');\nconst m = require('${name}');\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`,
    );
    const esmKeys = JSON.parse(esm) as string[];
    expect(esmKeys.length).toBeGreaterThan(0);
    expect(JSON.parse(cjs)).toEqual(esmKeys);
  });

  it('@vae/core errors work across the CommonJS and ESM copies', () => {
    const out = runNode(
      'brand.mjs',
      `import { createRequire } from 'node:module';\nimport { VAEError } from '@vae/core';\nconst cjs = createRequire(import.meta.url)('@vae/core');\nconst e = new cjs.VAEError('x');\nconsole.log(VAEError.isInstance(e), e instanceof VAEError);\n`,
    );
    expect(out.trim()).toBe('true false');
  });

  it("the README path trains on the plan's engine from the tarballs: useBackend, then vae.fit on two worker threads", () => {
    // ESM and CommonJS: the worker script and the replica module are found next to the installed
    // entry, and the workers import the installed packages.
    const esm = runNode(
      'fit.mjs',
      `import * as tf from '@tensorflow/tfjs-core';
import { useBackend, workerEngine } from '@vae/backends';
import { buildMlpVAE } from '@vae/core';
await useBackend('auto');
const vae = buildMlpVAE({ inputShape: [64], hiddenUnits: [16], latentDim: 2, seed: 1 });
const x = tf.randomUniform([256, 64], 0, 1, 'float32', 1);
const auto = await vae.fit(x, { epochs: 1, batchSize: 128, seed: 1, verbose: 0 });
const workers = await vae.fit(x, { epochs: 1, batchSize: 128, seed: 1, verbose: 0, engine: workerEngine({ workers: 2 }) });
console.log(JSON.stringify({ auto: auto.engine, workers: workers.engine?.description, loss: workers.epochs[0].loss }));
`,
    );
    const result = JSON.parse(esm.trim().split('\n').pop() as string);
    expect(result.auto.name).toBe('auto');
    expect(result.auto.reasons.length).toBeGreaterThan(0);
    expect(result.workers).toBe('2 workers (wasm, fused MLP step)');
    expect(Number.isFinite(result.loss)).toBe(true);
    const cjs = runNode(
      'fit.cjs',
      `const tf = require('@tensorflow/tfjs-core');
const { useBackend, workerEngine } = require('@vae/backends');
const { buildConvVAE } = require('@vae/core');
(async () => {
  await useBackend('wasm');
  const vae = buildConvVAE({ inputShape: [8, 8, 1], filters: [2], denseUnits: 4, latentDim: 2, seed: 1 });
  const history = await vae.fit(tf.randomUniform([16, 8, 8, 1]), { batchSize: 8, verbose: 0, engine: workerEngine({ workers: 2 }) });
  console.log(history.engine.description);
})();
`,
    );
    expect(cjs.trim().split('\n').pop()).toBe('2 workers (wasm, tfjs autodiff replicas)');
  });
});
