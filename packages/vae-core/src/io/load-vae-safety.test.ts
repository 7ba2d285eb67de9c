import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { ModelFormatError } from '../errors/index.js';
import { learnedGaussianLikelihood } from '../losses/index.js';
import { loadVAE, loadVAEWithExtras } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit parsed JSON files freely, field by field
type Json = any;

let root: string;
let base: string;
let learned: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vae-core-load-safety-'));
  base = join(root, 'base');
  const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2, seed: 1 });
  await vae.save(`file://${base}`, { extraFiles: { 'notes.txt': new TextEncoder().encode('hi') } });
  vae.dispose();
  learned = join(root, 'learned');
  const withVariance = buildMlpVAE({
    inputShape: [3],
    hiddenUnits: [2],
    latentDim: 2,
    likelihood: learnedGaussianLikelihood({ variance: 'channel' }),
  });
  await withVariance.save(`file://${learned}`);
  withVariance.dispose();
  // burn-in: whatever tfjs creates once per process is created here, not inside a measured load
  (await loadVAE(`file://${base}`)).dispose();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let count = 0;
/** A copy of `from` (default: the saved base model) changed by `change(dir)`; returns its file:// URL. */
async function variant(change: (dir: string) => Promise<void>, from = base): Promise<{ dir: string; url: string }> {
  const dir = join(root, `v${count++}`);
  await cp(from, dir, { recursive: true });
  await change(dir);
  return { dir, url: `file://${dir}` };
}

async function editJson(file: string, edit: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8'));
  edit(json);
  await writeFile(file, JSON.stringify(json));
}

/** Loads `url`, expects a ModelFormatError whose message matches `message`, and no tensor left behind. */
async function expectRefused(url: string, message: RegExp | string): Promise<ModelFormatError> {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    (await loadVAE(url)).dispose();
  } catch (e) {
    error = e;
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(error).toBeInstanceOf(ModelFormatError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
  return error as ModelFormatError;
}

describe('a failed loadVAE leaks no tensor', () => {
  const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
    [
      'truncated decoder weights',
      (dir) => writeFile(join(dir, 'decoder', 'weights.bin'), new Uint8Array(3)),
      /decoder\/weights\.bin has 3 bytes, but .*decoder\/model\.json describes 60 bytes of weights \(4 tensors\): 57 bytes missing\. The weights are truncated/,
    ],
    [
      'a decoder weight renamed in model.json',
      (dir) =>
        editJson(join(dir, 'decoder', 'model.json'), (m) => {
          m.weightsManifest[0].weights[0].name = 'renamed/kernel';
        }),
      /decoder\/model\.json does not match its weights \(.*renamed\/kernel/,
    ],
    [
      'a decoder layer resized in the topology, weights unchanged',
      (dir) =>
        editJson(join(dir, 'decoder', 'model.json'), (m) => {
          m.modelTopology.config.layers[1].config.units = 3;
        }),
      /decoder\/model\.json does not match its weights/,
    ],
    [
      'an unknown layer class after a built layer',
      (dir) =>
        editJson(join(dir, 'decoder', 'model.json'), (m) => {
          const layers = m.modelTopology.config.layers;
          layers[layers.length - 1].class_name = 'NoSuchLayer';
        }),
      /decoder\/model\.json does not describe a model tfjs can build \(.*NoSuchLayer/,
    ],
    [
      'a latentDim that the networks do not have',
      (dir) =>
        editJson(join(dir, 'vae.json'), (m) => {
          m.config.latentDim = 3;
          m.latentDim = 3;
        }),
      /vae\.json says latentDim 3, but .*decoder\/model\.json declares input 0 of shape \[batch, 2\]\. The manifest and the networks belong to different models/,
    ],
    [
      'a folder where the decoder weights should be',
      async (dir) => {
        await rm(join(dir, 'decoder', 'weights.bin'));
        await mkdir(join(dir, 'decoder', 'weights.bin'));
      },
      /could not read file:\/\/.*decoder\/weights\.bin: it is a folder, not a file\./,
    ],
    [
      'a missing extra file',
      (dir) => rm(join(dir, 'extra', 'notes.txt')),
      /could not read file:\/\/.*extra\/notes\.txt: it does not exist.*\(ENOENT\)/,
    ],
  ];
  it.each(cases)('%s', async (_name, change, message) => {
    const { url } = await variant(change);
    await expectRefused(url, message);
  });

  it('a learned variance of the wrong shape', async () => {
    const { url } = await variant(
      (dir) =>
        editJson(join(dir, 'vae.json'), (m) => {
          m.likelihoodWeights[0] = { shape: [2], values: [0, 0] };
        }),
      learned,
    );
    await expectRefused(
      url,
      /stores likelihood variable 0 with shape \[2\], but the 'learned-gaussian' likelihood of data shape \[3\] has \[3\]/,
    );
  });
});

describe('in-memory handlers are checked the same way', () => {
  it('a truncated decoder from a handler is a ModelFormatError, and the built encoder is freed', async () => {
    const vae = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2, seed: 1 });
    const store: Record<string, tf.io.ModelArtifacts> = {};
    const handler = (key: string): tf.io.IOHandler => ({
      save: async (artifacts) => {
        store[key] = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
      load: async () => store[key],
    });
    const handlers = { encoder: handler('e'), decoder: handler('d') };
    await vae.save(handlers);
    vae.dispose();
    store.d = { ...store.d, weightData: (store.d.weightData as ArrayBuffer).slice(0, 10) };
    const before = tf.memory().numTensors;
    await expect(loadVAE(handlers)).rejects.toThrow(
      /^loadVAE: the weight data of the decoder at handlers has 10 bytes, but the decoder at handlers describes 60 bytes of weights \(4 tensors\): 50 bytes missing/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('weights.bin must hold exactly what model.json describes', () => {
  it('extra trailing bytes are a ModelFormatError naming the file and both sizes', async () => {
    const { dir, url } = await variant(async (d) => {
      const file = join(d, 'encoder', 'weights.bin');
      const bytes = await readFile(file);
      await writeFile(file, Buffer.concat([bytes, Buffer.alloc(4)]));
    });
    const bytes = (await readFile(join(dir, 'encoder', 'weights.bin'))).byteLength;
    await expectRefused(
      url,
      `loadVAE: file://${dir}/encoder/weights.bin has ${bytes} bytes, but file://${dir}/encoder/model.json describes ${bytes - 4} bytes of weights (6 tensors): 4 bytes too many. The weights are from another model, or have trailing garbage; save the model again with vae.save().`,
    );
  });

  it('a NaN weight is refused, naming the weight', async () => {
    const { url } = await variant(async (d) => {
      const file = join(d, 'decoder', 'weights.bin');
      const bytes = new Uint8Array(await readFile(file));
      new DataView(bytes.buffer).setFloat32(4, Number.NaN, true);
      await writeFile(file, bytes);
    });
    await expectRefused(
      url,
      /decoder\/weights\.bin holds NaN in the weight '.*kernel'; weights must be finite numbers/,
    );
  });
});

describe('a model folder cannot read files outside itself', () => {
  const refusal = (file: string, what: string, path: string, why: string) =>
    `loadVAE: ${file} ${what} '${path}'${what.startsWith('lists') ? ' (weightsManifest paths, entry 0)' : ''}, which ${why}. A model folder must only reference files inside it; re-save the model with vae.save().`;

  it.each([
    ['../../outside.bin', 'leaves the model folder'],
    ['/etc/passwd', 'is an absolute path'],
    ['C:\\Windows\\win.ini', 'is an absolute path'],
    ['..\\..\\outside.bin', 'leaves the model folder'],
    ['sub\\weights.bin', "uses backslashes (use '/' between folder names)"],
  ])("refuses the encoder's weightsManifest path %j", async (path, why) => {
    // a file of the right size where '../../outside.bin' points: the old loader read it
    await cp(join(base, 'encoder', 'weights.bin'), join(root, 'outside.bin'));
    const { dir, url } = await variant((d) =>
      editJson(join(d, 'encoder', 'model.json'), (m) => {
        m.weightsManifest[0].paths = [path];
      }),
    );
    await expectRefused(url, refusal(`file://${dir}/encoder/model.json`, 'lists weights path', path, why));
  });

  it("refuses vae.json's network and extra file paths that leave the folder, naming the field", async () => {
    await cp(base, join(root, 'other'), { recursive: true });
    const cases: Array<[string, (m: Json) => void, string]> = [
      ['encoder', (m) => (m.encoder = '../other/encoder/model.json'), 'leaves the model folder'],
      ['decoder', (m) => (m.decoder = '/tmp/decoder/model.json'), 'is an absolute path'],
      ['extraFiles[0]', (m) => (m.extraFiles = ['../../../etc/passwd']), 'leaves the model folder'],
    ];
    for (const [field, edit, why] of cases) {
      const { url } = await variant((d) => editJson(join(d, 'vae.json'), edit));
      const error = await expectRefused(
        url,
        new RegExp(
          `/vae\\.json field '${field.replace(/[[\]]/g, '\\$&')}' is ".*", which ${why}\\. A model folder must only reference files inside it`,
        ),
      );
      expect(error.location).toBe(url);
    }
  });

  it('refuses a symbolic link that points outside the folder', async () => {
    const outside = join(root, 'outside-weights.bin');
    await cp(join(base, 'decoder', 'weights.bin'), outside);
    const { dir, url } = await variant(async (d) => {
      await rm(join(d, 'decoder', 'weights.bin'));
      await symlink(outside, join(d, 'decoder', 'weights.bin'));
    });
    await expectRefused(
      url,
      new RegExp(
        `^loadVAE: file://${dir}/decoder/weights\\.bin resolves through a symbolic link to .*outside-weights\\.bin, outside the model folder`,
      ),
    );
  });
});

describe('model.json is checked before tfjs builds it', () => {
  it('an input size that vae.json does not give is refused before it is allocated', async () => {
    const { url } = await variant((d) =>
      editJson(join(d, 'encoder', 'model.json'), (m) => {
        m.modelTopology.config.layers[0].config.batch_input_shape = [null, 2 ** 31];
      }),
    );
    await expectRefused(
      url,
      /vae\.json says inputShape \[3\], but .*encoder\/model\.json declares input 0 of shape \[batch, 2147483648\]/,
    );
  });

  it('a layer larger than the stored weights is refused before it is allocated', async () => {
    const { url } = await variant((d) =>
      editJson(join(d, 'decoder', 'model.json'), (m) => {
        m.modelTopology.config.layers[1].config.units = 1e9;
      }),
    );
    await expectRefused(
      url,
      /decoder\/model\.json declares a layer with units 1000000000, but its weights hold only 15 values in all/,
    );
  });

  it('a layer reading from a layer that is not there is refused (tfjs would loop forever)', async () => {
    const { url } = await variant((d) =>
      editJson(join(d, 'encoder', 'model.json'), (m) => {
        m.modelTopology.config.layers[2].inbound_nodes[0][0][0] = 'no_such_layer';
      }),
    );
    await expectRefused(
      url,
      /encoder\/model\.json has layer 'z_mean' read from layer 'no_such_layer', which is not in the model/,
    );
  });

  it('a cycle between layers is refused (tfjs would loop forever)', async () => {
    const { url } = await variant((d) =>
      editJson(join(d, 'encoder', 'model.json'), (m) => {
        m.modelTopology.config.layers[1].inbound_nodes[0][0][0] = 'z_mean';
      }),
    );
    await expectRefused(
      url,
      /encoder\/model\.json has layer '.*' wait for call 0 of '.*', which never happens \(a cycle, or a call that does not exist\)/,
    );
  });
});

describe('vae.json is checked against its schema and the networks', () => {
  it.each([
    [
      'latentDim -1',
      (m: Json) => (m.config.latentDim = -1),
      /field 'config\.latentDim' must be an integer in \[1, 65536\], got -1/,
    ],
    [
      'latentDim 1e9',
      (m: Json) => (m.config.latentDim = 1e9),
      /field 'config\.latentDim' must be an integer in \[1, 65536\], got 1000000000/,
    ],
    [
      'latentDim "2"',
      (m: Json) => (m.config.latentDim = '2'),
      /field 'config\.latentDim' must be an integer in \[1, 65536\], got "2"/,
    ],
    [
      'inputShape [3, 0]',
      (m: Json) => (m.config.inputShape = [3, 0]),
      /field 'config\.inputShape' must be a list of 1 to 8 sizes/,
    ],
    [
      'numClasses 2.5',
      (m: Json) => (m.config.numClasses = 2.5),
      /field 'config\.numClasses' must be an integer in \[0, 1000000\], got 2\.5/,
    ],
    ['beta -1', (m: Json) => (m.config.beta = -1), /field 'config\.beta' must be a finite number >= 0, got -1/],
    [
      'top-level latentDim differs',
      (m: Json) => (m.latentDim = 7),
      /field 'latentDim' is 7, but config\.latentDim is 2/,
    ],
    [
      'an unknown likelihood',
      (m: Json) => {
        m.likelihood = { kind: 'poisson' };
        m.config.likelihood = { kind: 'poisson' };
      },
      /has a likelihood that cannot be built: .*'bernoulli', 'gaussian', 'learned-gaussian'/,
    ],
    [
      'a NaN-free but non-finite likelihood weight',
      (m: Json) => (m.likelihoodWeights = [{ shape: [1], values: [null] }]),
      /field 'likelihoodWeights' must be a list of \{ shape, values \} with finite values/,
    ],
  ])('%s is a ModelFormatError naming the field', async (_name, edit, message) => {
    const { url } = await variant((d) => editJson(join(d, 'vae.json'), edit));
    await expectRefused(url, message);
  });

  it('an inputShape the encoder does not take is refused before the model is used', async () => {
    const { url } = await variant((d) =>
      editJson(join(d, 'vae.json'), (m) => {
        m.config.inputShape = [4];
        m.inputShape = [4];
      }),
    );
    await expectRefused(
      url,
      /vae\.json says inputShape \[4\], but .*encoder\/model\.json declares input 0 of shape \[batch, 3\]/,
    );
  });

  it('an encoder from another model (latentDim 3) is refused after building, and freed', async () => {
    const other = buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 3, seed: 4 });
    await other.save(`file://${join(root, 'latent-3')}`);
    other.dispose();
    const { url } = await variant(async (d) => {
      await rm(join(d, 'encoder'), { recursive: true });
      await cp(join(root, 'latent-3', 'encoder'), join(d, 'encoder'), { recursive: true });
    });
    await expectRefused(
      url,
      /vae\.json says latentDim 2, but the encoder's mean output is \[batch, 3\]\. The manifest and the networks belong to different models/,
    );
  });

  it('a valid folder still loads, with its extra files', async () => {
    const before = tf.memory().numTensors;
    const { vae, extraFiles } = await loadVAEWithExtras(`file://${base}`);
    expect(new TextDecoder().decode(extraFiles['notes.txt'])).toBe('hi');
    expect(vae.latentDim).toBe(2);
    vae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
