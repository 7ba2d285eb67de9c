import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildConditionalVAE, buildMlpVAE, ModelFormatError } from '@vae/core';
import { expectTensorClose, makeToyImages } from '@vae/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaussianHead } from '../layers/gaussian-head.js';
import { labelConditioning } from '../layers/label-conditioning.js';
import { Sampling, sampling } from '../layers/sampling.js';
import { toLayersModel } from '../models/to-layers-model.js';
import { loadLayersModelWithVAELayers } from './load-layers-model.js';
import { saveLayersModel } from './save-layers-model.js';

/** A conditional encoder that uses all three layers: [x, label ids] -> [mean, logVar, z]. */
function threeLayerModel(seed: number): tfl.LayersModel {
  const x = tfl.input({ shape: [3, 3, 1], name: 'image' });
  const label = tfl.input({ shape: [1], name: 'class_id' });
  const joined = labelConditioning({ numClasses: 4 }).apply([x, label]) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten().apply(joined) as tfl.SymbolicTensor;
  const [mean, logVar] = gaussianHead({ latentDim: 2, logVarBounds: [-5, 3], kernelSeed: seed }).apply(
    flat,
  ) as tfl.SymbolicTensor[];
  const z = sampling({ seed }).apply([mean!, logVar!]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [x, label], outputs: [mean!, logVar!, z], name: 'conditional_encoder' });
}

async function toArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return captured!;
}

describe('saving and loading models with VAE layers', () => {
  let dir: string;
  const x = makeToyImages(2, [3, 3, 1], { seed: 1 });
  const ids = tf.tensor2d([[1], [3]]);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vae-layers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through memory with identical predictions (sampling included)', async () => {
    const original = threeLayerModel(7);
    const artifacts = await toArtifacts(original);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const a = original.predict([x, ids]) as tf.Tensor[];
    const b = loaded.predict([x, ids]) as tf.Tensor[];
    for (let i = 0; i < 3; i++) expectTensorClose(b[i]!, a[i]!, { rtol: 0, atol: 0 });
    expect(loaded.layers.map((l) => l.getClassName())).toContain('VaeSampling');
    original.dispose();
    loaded.dispose();
  });

  it('writes standard Keras-format JSON with snake_case config keys', async () => {
    const model = threeLayerModel(3);
    const topology = (await toArtifacts(model)).modelTopology as {
      class_name: string;
      config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    expect(topology.class_name).toBe('Model');
    const byClass = Object.fromEntries(topology.config.layers.map((l) => [l.class_name, l.config]));
    expect(byClass['VaeLabelConditioning']).toMatchObject({ num_classes: 4 });
    expect(byClass['VaeGaussianHead']).toMatchObject({
      latent_dim: 2,
      log_var_bounds: [-5, 3],
      bound_method: 'tanh',
      kernel_seed: 3,
    });
    expect(byClass['VaeSampling']).toMatchObject({ seed: 3, mean_at_inference: false });
    model.dispose();
  });

  it('saves to and loads from file:// in Node (folder or model.json)', async () => {
    const original = threeLayerModel(11);
    const url = `file://${join(dir, 'encoder')}`;
    const result = await saveLayersModel(original, url);
    expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
    const json = JSON.parse(await readFile(join(dir, 'encoder', 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const fromFolder = await loadLayersModelWithVAELayers(url);
    const fromJson = await loadLayersModelWithVAELayers(`${url}/model.json`);
    const a = original.predict([x, ids]) as tf.Tensor[];
    const b = fromFolder.predict([x, ids]) as tf.Tensor[];
    const c = fromJson.predict([x, ids]) as tf.Tensor[];
    for (let i = 0; i < 3; i++) {
      expectTensorClose(b[i]!, a[i]!, { rtol: 0, atol: 0 });
      expectTensorClose(c[i]!, a[i]!, { rtol: 0, atol: 0 });
    }
    for (const m of [original, fromFolder, fromJson]) m.dispose();
  });

  it('saves and reloads a toLayersModel export with identical reconstructions', async () => {
    const cvae = buildConditionalVAE({ numClasses: 3, inputShape: [3, 3, 1], hiddenUnits: [4], latentDim: 2, seed: 2 });
    const models = toLayersModel(cvae, { seed: 5 });
    const url = `file://${join(dir, 'cvae')}`;
    await saveLayersModel(models.vae, url);
    const loaded = await loadLayersModelWithVAELayers(url);
    const oneHot = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    // Both Sampling layers are fresh (first call: seed 5), so the noise is the same.
    expectTensorClose(loaded.predict([x, oneHot]) as tf.Tensor, models.vae.predict([x, oneHot]) as tf.Tensor, {
      rtol: 0,
      atol: 0,
    });
    const decoderUrl = `file://${join(dir, 'decoder')}`;
    await saveLayersModel(models.decoder, decoderUrl);
    const decoder = await loadLayersModelWithVAELayers(decoderUrl);
    const z = tf.tensor2d([
      [0.5, -1],
      [2, 0],
    ]);
    expectTensorClose(decoder.predict([z, oneHot]) as tf.Tensor, cvae.decode(z, { labels: [0, 2] }), {
      rtol: 1e-5,
      atol: 1e-6,
    });
    for (const m of [models.vae, models.encoder, models.decoder, loaded, decoder]) m.dispose();
    cvae.dispose();
  });

  it('passes other destinations to tfjs and names the fix for a URL nobody handles', async () => {
    const vae = buildMlpVAE({ inputShape: [2], hiddenUnits: [2], latentDim: 1 });
    const { vae: model, encoder, decoder } = toLayersModel(vae);
    let saved: tf.io.ModelArtifacts | undefined;
    await saveLayersModel(
      model,
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    expect(saved?.modelTopology).toBeDefined();
    await expect(saveLayersModel(model, 'ftp://nowhere/model')).rejects.toThrow(ModelFormatError);
    await expect(saveLayersModel(model, 'ftp://nowhere/model')).rejects.toThrow(
      /saveLayersModel: no tf\.io handler saves to "ftp:\/\/nowhere\/model"\. Use file:\/\/folder/,
    );
    await expect(loadLayersModelWithVAELayers('ftp://nowhere/model.json')).rejects.toThrow(
      /loadLayersModelWithVAELayers: no tf\.io handler loads "ftp:\/\/nowhere\/model\.json"/,
    );
    await expect(loadLayersModelWithVAELayers(`file://${join(dir, 'missing')}`)).rejects.toThrow(
      /cannot read .*missing\/model\.json\. Pass a folder written by saveLayersModel/,
    );
    for (const m of [model, encoder, decoder]) m.dispose();
    vae.dispose();
  });

  describe('an unregistered layer class', () => {
    async function artifactsWithRenamedClass(from: string, to: string): Promise<tf.io.ModelArtifacts> {
      const model = threeLayerModel(1);
      const artifacts = await toArtifacts(model);
      model.dispose();
      const text = JSON.stringify(artifacts.modelTopology).replaceAll(`"class_name":"${from}"`, `"class_name":"${to}"`);
      return { ...artifacts, modelTopology: JSON.parse(text) as tf.io.ModelArtifacts['modelTopology'] };
    }

    it("raw tfjs says 'Unknown layer: <ClassName>'", async () => {
      const artifacts = await artifactsWithRenamedClass('VaeSampling', 'MysterySampling');
      await expect(tfl.loadLayersModel(tf.io.fromMemory(artifacts))).rejects.toThrow(
        /Unknown layer: MysterySampling\. This may be due to one of the following reasons/,
      );
    });

    it('is wrapped in a ModelFormatError that names the class and tf.serialization.registerClass', async () => {
      const artifacts = await artifactsWithRenamedClass('VaeSampling', 'MysterySampling');
      const error = await loadLayersModelWithVAELayers(tf.io.fromMemory(artifacts)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toMatch(
        /loadLayersModelWithVAELayers: the model uses the layer class MysterySampling, which is not registered with TensorFlow\.js\. If MysterySampling is one of your layers, register it with tf\.serialization\.registerClass\(MysterySampling\)/,
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it("names `import '@vae/layers'` when one of this package's classes is missing", async () => {
      const map = tf.serialization.SerializationMap.getMap().classNameMap;
      const entry = map[Sampling.className];
      delete map[Sampling.className]; // what a program that never imported @vae/layers sees
      try {
        const artifacts = await artifactsWithRenamedClass('VaeSampling', 'VaeSampling');
        await expect(loadLayersModelWithVAELayers(tf.io.fromMemory(artifacts))).rejects.toThrow(
          /the model uses the layer class VaeSampling, which is not registered with TensorFlow\.js\. VaeSampling is a layer of @vae\/layers: add `import '@vae\/layers'` before loading/,
        );
      } finally {
        map[Sampling.className] = entry!;
      }
    });
  });
});
