import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME, VAE_LAYER_CLASS_NAMES } from './index.js';

describe('@vae/layers', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@vae/layers');
  });

  it('registers its three layer classes when imported', () => {
    expect(VAE_LAYER_CLASS_NAMES).toEqual(['VaeSampling', 'VaeGaussianHead', 'VaeLabelConditioning']);
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of VAE_LAYER_CLASS_NAMES) expect(registered[name]).toBeDefined();
  });
});
