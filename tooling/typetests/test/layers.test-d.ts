// @vae/layers: the layer factories take their tfjs-style args, and toLayersModel returns graphs.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { VAE } from '@vae/core';
import {
  type GaussianHead,
  gaussianHead,
  type Sampling,
  sampling,
  toLayersModel,
  type VAELayersModels,
} from '@vae/layers';
import { expectTypeOf } from 'vitest';

declare const vae: VAE;

expectTypeOf(gaussianHead({ latentDim: 2, logVarBounds: [-10, 4] })).toEqualTypeOf<GaussianHead>();
expectTypeOf(sampling()).toEqualTypeOf<Sampling>();
expectTypeOf(toLayersModel(vae, { seed: 1 })).toEqualTypeOf<VAELayersModels>();
expectTypeOf<VAELayersModels['vae']>().toEqualTypeOf<tfl.LayersModel>();
// @ts-expect-error latentDim is required
gaussianHead({});
// @ts-expect-error a misspelt option
toLayersModel(vae, { sed: 1 });
