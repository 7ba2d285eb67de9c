// The built package (ESM and CommonJS, as tsup emits it) registers its layers as a side effect
// of being imported, in a fresh Node process: nothing is tree-shaken away, and a model saved by
// one process loads in another.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveLayersModel } from '../../src/io/save-layers-model.js';
import { gaussianHead, labelConditioning, sampling } from '../../src/layers/index.js';

const run = promisify(execFile);
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Built here rather than read from dist/, so the test never sees a stale build; same config.
const outDir = join(packageDir, 'node_modules', '.cache', 'built-output-test');

function model(): tfl.LayersModel {
  const x = tfl.input({ shape: [2, 2, 1] });
  const label = tfl.input({ shape: [1] });
  const joined = labelConditioning({ numClasses: 3 }).apply([x, label]) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten().apply(joined) as tfl.SymbolicTensor;
  const heads = gaussianHead({ latentDim: 2, logVarBounds: [-4, 2], kernelSeed: 1 }).apply(
    flat,
  ) as tfl.SymbolicTensor[];
  const z = sampling({ seed: 12 }).apply(heads) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [x, label], outputs: z });
}

const INPUTS = 'tf.tensor4d([0.1, 0.9, 0.4, 0.6, 1, 0, 0.5, 0.5], [2, 2, 2, 1]), tf.tensor2d([[0], [2]])';

function childScript(kind: 'esm' | 'cjs', entry: string | null, url: string): string {
  const load = entry
    ? `${kind === 'esm' ? '(await import(ENTRY))' : 'require(ENTRY)'}.loadLayersModelWithVAELayers(URL)`
    : `tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: JSON.parse(require('node:fs').readFileSync(URL.slice(7) + '/model.json', 'utf8')).modelTopology }))`;
  const body = `
    await tf.ready(); // the cpu backend, the only one imported
    const model = await ${load};
    const out = model.predict([${INPUTS}]);
    process.stdout.write(JSON.stringify(Array.from(out.dataSync())));`;
  const consts = `const ENTRY = ${JSON.stringify(entry)}; const URL = ${JSON.stringify(url)};`;
  if (kind === 'esm') {
    return `import '@tensorflow/tfjs-backend-cpu'; import * as tf from '@tensorflow/tfjs-core'; import * as tfl from '@tensorflow/tfjs-layers'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${consts} ${body}`;
  }
  return `require('@tensorflow/tfjs-backend-cpu'); const tf = require('@tensorflow/tfjs-core'); const tfl = require('@tensorflow/tfjs-layers'); ${consts} (async () => { ${body} })().catch((e) => { console.error(e.message); process.exit(1); });`;
}

async function node(kind: 'esm' | 'cjs', script: string): Promise<string> {
  const args = kind === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: packageDir, timeout: 60_000 });
  return stdout;
}

describe('the built package in a fresh Node process', () => {
  let dir: string;
  let url: string;
  let expected: number[];

  beforeAll(async () => {
    await run(
      process.execPath,
      [join(packageDir, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--no-dts', '--out-dir', outDir],
      { cwd: packageDir, timeout: 120_000 },
    );
    dir = await mkdtemp(join(tmpdir(), 'vae-layers-built-'));
    url = `file://${join(dir, 'model')}`;
    const m = model();
    await saveLayersModel(m, url);
    const fresh = await import('../../src/io/load-layers-model.js').then((io) => io.loadLayersModelWithVAELayers(url));
    const [a, b] = [tf.tensor4d([0.1, 0.9, 0.4, 0.6, 1, 0, 0.5, 0.5], [2, 2, 2, 1]), tf.tensor2d([[0], [2]])];
    expected = Array.from((fresh.predict([a, b]) as tf.Tensor).dataSync());
    m.dispose();
    fresh.dispose();
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  });

  it('ESM: importing the build registers the layers; the loaded model predicts as here', async () => {
    const out = JSON.parse(await node('esm', childScript('esm', join(outDir, 'index.js'), url))) as number[];
    expect(out).toHaveLength(4);
    for (const [i, v] of out.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
  });

  it('CommonJS: requiring the build registers the layers; the loaded model predicts as here', async () => {
    const out = JSON.parse(await node('cjs', childScript('cjs', join(outDir, 'index.cjs'), url))) as number[];
    for (const [i, v] of out.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
  });

  it('without the import, tfjs cannot load the model (the registration is what makes it work)', async () => {
    await expect(node('cjs', childScript('cjs', null, url))).rejects.toThrow(/Unknown layer: VaeLabelConditioning/);
  });
});
