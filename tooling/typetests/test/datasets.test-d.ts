// @vae/datasets produces what @vae/core consumes, with no cast, under exactOptionalPropertyTypes.
import type * as tf from '@tensorflow/tfjs-core';
import type { Batch as CoreBatch, TrainingData, VAE } from '@vae/core';
import {
  type Batch,
  type Dataset,
  type DatasetTensors,
  datasetFromArrays,
  loadMnist,
  MNIST_CLASS_NAMES,
} from '@vae/datasets';
import { expectTypeOf } from 'vitest';

declare const vae: VAE;

expectTypeOf<Batch>().toExtend<CoreBatch>();
expectTypeOf<Dataset>().toExtend<TrainingData>();
expectTypeOf<Batch['labels']>().toEqualTypeOf<tf.Tensor1D | undefined>();
expectTypeOf<DatasetTensors['labels']>().toEqualTypeOf<tf.Tensor1D | undefined>();

const { train, test } = await loadMnist({ binarize: 'static' });
expectTypeOf(train).toEqualTypeOf<Dataset>();
await vae.fit(train, { epochs: 1, batchSize: 128, validationData: test });
const { x, labels } = await test.take(64).toTensors();
await vae.fit(x, { labels });
vae.encode(x, { labels });
for await (const batch of train.batches({ batchSize: 32, shuffle: true, seed: 1 })) {
  expectTypeOf(batch).toEqualTypeOf<Batch>();
  vae.reconstruct(batch.x, { labels: batch.labels });
}

// A dataset's own fields go back into the options that made it.
const again = datasetFromArrays({
  x: new Float32Array(4),
  shape: [2, 2],
  labels: [0, 1],
  classNames: train.classNames,
});
expectTypeOf(again.classNames).toEqualTypeOf<readonly string[] | undefined>();
expectTypeOf(MNIST_CLASS_NAMES).toExtend<readonly string[]>();
// @ts-expect-error a misspelt batch option
train.batches({ batchsize: 32 });
