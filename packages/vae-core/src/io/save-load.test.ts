import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConditionalVAE, buildConvVAE, buildLstmVAE, buildMlpVAE, buildVAE } from '../builders/index.js';
import { ConfigError, ModelFormatError } from '../errors/index.js';
import { learnedGaussianLikelihood } from '../losses/index.js';
import type { VAE } from '../models/index.js';
import { expectTensorClose, makeToyImages } from '../testing/index.js';
import { loadVAE, loadVAEWithExtras, saveVAE, writeFileAtomic, writeFolderAtomic } from './index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vae-core-io-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Same outputs before and after: posterior means and decoded parameters. */
function expectSameModel(a: VAE, b: VAE, labels?: number[]): void {
  const x = makeToyImages(2, [...a.inputShape]);
  const options = labels ? { labels } : {};
  expectTensorClose(b.encode(x, options).mean, a.encode(x, options).mean, { rtol: 1e-6, atol: 1e-7 });
  const z = tf.randomNormal([2, a.latentDim], 0, 1, 'float32', 3);
  expectTensorClose(b.decodeParams(z, options), a.decodeParams(z, options), { rtol: 1e-6, atol: 1e-7 });
  expectTensorClose(b.lossTerms(x, { ...options, seed: 1 }).total, a.lossTerms(x, { ...options, seed: 1 }).total, {
    rtol: 1e-5,
  });
  expect(b.config).toEqual(a.config);
  expect(b.likelihood.toConfig()).toEqual(a.likelihood.toConfig());
}

describe('save and load on file://', () => {
  const cases: Array<[string, () => VAE, number[]?]> = [
    ['mlp', () => buildMlpVAE({ inputShape: [3, 3, 1], hiddenUnits: [4], latentDim: 2 })],
    ['conv transpose', () => buildConvVAE({ inputShape: [4, 4, 1], filters: [2, 2], denseUnits: 3 })],
    [
      'conv upsample',
      () =>
        buildConvVAE({
          inputShape: [4, 4, 2],
          filters: [2],
          denseUnits: 0,
          decoderKind: 'upsample',
          activation: 'leakyRelu',
          likelihood: 'gaussian',
        }),
    ],
    ['lstm', () => buildLstmVAE({ inputShape: [4, 3], units: 3, latentDim: 2, decoderUnits: [4] })],
    [
      'conditional mlp',
      () => buildConditionalVAE({ numClasses: 3, inputShape: [4], hiddenUnits: [3], latentDim: 2 }),
      [0, 2],
    ],
    [
      'conditional conv',
      () => buildConditionalVAE({ variant: 'conv', numClasses: 2, inputShape: [4, 4, 1], filters: [2], denseUnits: 2 }),
      [1, 0],
    ],
    [
      'learned variance',
      () => {
        const vae = buildMlpVAE({
          inputShape: [3],
          hiddenUnits: [3],
          latentDim: 2,
          likelihood: learnedGaussianLikelihood({ variance: 'channel' }),
        });
        vae.likelihood.trainableVariables[0].assign(tf.tensor1d([0.5, -1, 2]));
        return vae;
      },
    ],
    [
      'custom LayersModel encoder',
      () => {
        const x = tfl.input({ shape: [5] });
        const h = tfl.layers.dense({ units: 3, activation: 'tanh' }).apply(x) as tfl.SymbolicTensor;
        const encoder = tfl.model({ inputs: x, outputs: h });
        return buildVAE({ encoder, decoder: [tfl.layers.dense({ units: 5 })], latentDim: 2 });
      },
    ],
  ];

  for (const [name, make, labels] of cases) {
    it(`${name}: load gives the same outputs`, async () => {
      const vae = make();
      const url = `file://${join(root, name.replace(/ /g, '-'))}`;
      const result = await vae.save(url);
      expect(result.files).toContain('vae.json');
      const again = await loadVAE(url);
      expectSameModel(vae, again, labels);
      vae.dispose();
      again.dispose();
    });
  }

  it('writes the documented folder and manifest', async () => {
    const vae = buildMlpVAE({ inputShape: [2], hiddenUnits: [2], latentDim: 1 });
    const dir = join(root, 'layout');
    await vae.save(`file://${dir}`, {
      trainingState: { epoch: 3, history: [1.5, 1.2] },
      extraFiles: { 'optimizer/state.bin': new Uint8Array([1, 2, 3]) },
    });
    expect((await readdir(dir)).sort()).toEqual(['decoder', 'encoder', 'extra', 'vae.json']);
    expect((await readdir(join(dir, 'encoder'))).sort()).toEqual(['model.json', 'weights.bin']);
    const manifest = JSON.parse(await readFile(join(dir, 'vae.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'vae',
      formatVersion: 1,
      builder: 'buildMlpVAE',
      likelihood: { kind: 'bernoulli' },
      latentDim: 1,
      inputShape: [2],
      numClasses: 0,
      extraFiles: ['optimizer/state.bin'],
    });
    // the networks are standard tfjs LayersModels
    const model = JSON.parse(await readFile(join(dir, 'encoder', 'model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
    const { vae: again, trainingState, extraFiles } = await loadVAEWithExtras(`file://${dir}`);
    expect(trainingState).toEqual({ epoch: 3, history: [1.5, 1.2] });
    expect(Array.from(extraFiles['optimizer/state.bin'])).toEqual([1, 2, 3]);
    again.dispose();
    vae.dispose();
  });
});

describe('atomic writes', () => {
  it('a crash in the middle of a save leaves the previous model loadable', async () => {
    const first = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2, seed: 1 });
    const url = `file://${join(root, 'atomic')}`;
    await first.save(url);
    await expect(
      writeFolderAtomic(url, async (write) => {
        await write('vae.json', '{"format": "vae", "formatVer');
        throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    const again = await loadVAE(url);
    expectSameModel(first, again);
    expect((await readdir(root)).filter((n) => n.startsWith('atomic.'))).toEqual([]);
    again.dispose();
    first.dispose();
  });

  it('a crash between the two renames falls back to the previous folder', async () => {
    const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2 });
    const dir = join(root, 'swap');
    await vae.save(`file://${dir}`);
    await rename(dir, `${dir}.previous`);
    const again = await loadVAE(`file://${dir}`);
    expectSameModel(vae, again);
    again.dispose();
    // the next save replaces both
    await vae.save(`file://${dir}`);
    expect((await readdir(root)).filter((n) => n.startsWith('swap'))).toEqual(['swap']);
    vae.dispose();
  });

  it('writeFileAtomic replaces a file whole', async () => {
    const file = join(root, 'nested', 'state.json');
    await writeFileAtomic(`file://${file}`, '{"a":1}');
    await writeFileAtomic(file, new Uint8Array([123, 125]));
    expect(await readFile(file, 'utf8')).toBe('{}');
    expect(await readdir(join(root, 'nested'))).toEqual(['state.json']);
  });
});

describe('save and load errors', () => {
  it('a function encoder refuses to save and names the fix', async () => {
    const w = tf.variable(tf.ones([4, 4]));
    const vae = buildVAE({
      inputShape: [4],
      encoder: (x) => tf.split(tf.matMul(x, w), 2, 1) as [tf.Tensor, tf.Tensor],
      decoder: tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [2] })] }),
      variables: [w],
    });
    await expect(vae.save(`file://${join(root, 'fn')}`)).rejects.toThrow(ModelFormatError);
    await expect(vae.save(`file://${join(root, 'fn')}`)).rejects.toThrow(
      /the encoder is a function and cannot be saved.*Build it as a tf.LayersModel/,
    );
    vae.dispose();
  });

  it('corrupt, newer-format, missing and truncated folders give a ModelFormatError', async () => {
    const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2 });
    const dir = join(root, 'broken');
    await vae.save(`file://${dir}`);
    const manifest = await readFile(join(dir, 'vae.json'), 'utf8');

    await writeFile(join(dir, 'vae.json'), manifest.slice(0, 40));
    await expect(loadVAE(`file://${dir}`)).rejects.toThrow(/vae.json is not valid JSON/);

    await writeFile(join(dir, 'vae.json'), JSON.stringify({ ...JSON.parse(manifest), formatVersion: 2 }));
    await expect(loadVAE(`file://${dir}`)).rejects.toThrow(
      /format version 2, but this @vae\/core reads versions up to 1. Upgrade @vae\/core/,
    );

    await writeFile(join(dir, 'vae.json'), JSON.stringify({ hello: 'world' }));
    await expect(loadVAE(`file://${dir}`)).rejects.toThrow(/lacks format: 'vae'/);

    await writeFile(join(dir, 'vae.json'), manifest);
    await writeFile(join(dir, 'decoder', 'weights.bin'), new Uint8Array(3));
    await expect(loadVAE(`file://${dir}`)).rejects.toThrow(ModelFormatError);
    await expect(loadVAE(`file://${dir}`)).rejects.toThrow(
      /decoder\/weights.bin has 3 bytes, but .*decoder\/model.json describes 60 bytes of weights \(4 tensors\): 57 bytes missing/,
    );

    await expect(loadVAE(`file://${join(root, 'nothing-here')}`)).rejects.toThrow(
      /could not read file:\/\/.*nothing-here\/vae.json: it does not exist.*\(ENOENT\)/,
    );
    vae.dispose();
  });

  it('bad training state, bad extra file names and unknown schemes are refused', async () => {
    const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(vae.save(`file://${join(root, 'x')}`, { trainingState: cyclic })).rejects.toThrow(ConfigError);
    await expect(
      vae.save(`file://${join(root, 'x')}`, { extraFiles: { '../evil': new Uint8Array(1) } }),
    ).rejects.toThrow(/file name '..\/evil'/);
    await expect(vae.save('indexeddb://my-model')).rejects.toThrow(
      /no tf.io save handler accepts 'indexeddb:\/\/my-model\/encoder'/,
    );
    await expect(loadVAE('indexeddb://my-model')).rejects.toThrow(ModelFormatError);
    vae.dispose();
  });
});

describe('other handlers', () => {
  it('a pair of in-memory handlers carries the manifest, training state and extra files', async () => {
    const vae = buildConvVAE({ inputShape: [4, 4, 1], filters: [2], denseUnits: 2 });
    const store: Record<string, tf.io.ModelArtifacts> = {};
    const handler = (key: string): tf.io.IOHandler => ({
      save: async (artifacts) => {
        store[key] = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => store[key],
    });
    const handlers = { encoder: handler('e'), decoder: handler('d') };
    await saveVAE(vae, handlers, { trainingState: { step: 7 }, extraFiles: { 'a.bin': new Uint8Array([9, 8]) } });
    const { vae: again, trainingState, extraFiles } = await loadVAEWithExtras(handlers);
    expectSameModel(vae, again);
    expect(trainingState).toEqual({ step: 7 });
    expect(Array.from(extraFiles['a.bin'])).toEqual([9, 8]);
    again.dispose();
    vae.dispose();
  });

  describe('http(s)://', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer(async (request, response) => {
        try {
          const body = await readFile(join(root, 'served', ...(request.url ?? '').split('/').slice(2)));
          response.writeHead(200).end(body);
        } catch {
          response.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address() as { port: number };
      base = `http://127.0.0.1:${address.port}/models`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('loads a saved folder served as static files', async () => {
      const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2 });
      await vae.save(`file://${join(root, 'served')}`, { extraFiles: { 'notes.txt': new TextEncoder().encode('hi') } });
      const { vae: again, extraFiles } = await loadVAEWithExtras(base);
      expectSameModel(vae, again);
      expect(new TextDecoder().decode(extraFiles['notes.txt'])).toBe('hi');
      again.dispose();
      vae.dispose();
      await expect(loadVAE(`${base}/nope`)).rejects.toThrow(ModelFormatError);
    });
  });
});
