// @vae/viz takes core's models, histories and datasets' labels as they are.
import type * as tf from '@tensorflow/tfjs-core';
import type { History, VAE } from '@vae/core';
import type { Dataset } from '@vae/datasets';
import {
  type DecodeFn,
  type HistoryLike,
  latentManifold,
  latentScatter,
  lossCurves,
  type RgbaImage,
  reconstructionGrid,
  trainingReport,
  type VAELike,
} from '@vae/viz';
import { writePng, writeSvg } from '@vae/viz/node';
import { expectTypeOf } from 'vitest';

declare const vae: VAE;
declare const history: History;
declare const test: Dataset;
declare const x: tf.Tensor4D;

expectTypeOf<VAE>().toExtend<VAELike>();
expectTypeOf<History>().toExtend<HistoryLike>();
expectTypeOf<History['epochs']>().toExtend<HistoryLike>();
expectTypeOf(lossCurves(history.epochs)).toEqualTypeOf<string>();
expectTypeOf(lossCurves(history)).toEqualTypeOf<string>();
// Records written by hand may carry other numbers too.
lossCurves([{ loss: 190, kl: 10, klWeight: 0.5 }]);

expectTypeOf(latentManifold(vae, { steps: 20 })).toEqualTypeOf<RgbaImage>();
expectTypeOf(reconstructionGrid(x, vae.reconstruct(x))).toEqualTypeOf<RgbaImage>();
const { mean } = vae.encode(x);
latentScatter(mean, undefined, { classNames: test.classNames });
const { labels } = await test.toTensors();
expectTypeOf(
  trainingReport({ vae, history, data: { x, labels }, classNames: test.classNames }),
).toEqualTypeOf<string>();
await writePng('manifold.png', latentManifold(vae));
await writeSvg('loss.svg', lossCurves(history));

// A decoder is typed by rank: z is [batch, latentDim].
const decode: DecodeFn = (z) => vae.decode(z);
latentManifold(decode, { latentDim: 2 });
declare const decodeImages: (z: tf.Tensor4D) => tf.Tensor;
// @ts-expect-error a function of rank-4 tensors is no decoder of [batch, latentDim]
latentManifold(decodeImages, { latentDim: 2 });
// @ts-expect-error a misspelt option
latentManifold(vae, { step: 20 });
