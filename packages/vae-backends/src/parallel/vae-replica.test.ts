import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildConditionalVAE, buildConvVAE, buildMlpVAE, type MlpVAEConfig } from '@vae/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDenseVaeSpec } from './dense-vae-spec.js';
import { denseVaeSpecOf } from './vae-replica.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('denseVaeSpecOf', () => {
  it('describes an MLP VAE the fused step can train, matching its variables', () => {
    const vae = buildMlpVAE({
      inputShape: [6, 5],
      hiddenUnits: [9, 7],
      latentDim: 3,
      activation: 'leakyRelu',
      beta: 2,
    });
    try {
      const spec = denseVaeSpecOf(vae);
      expect(spec).toEqual({
        inputSize: 30,
        encoderUnits: [9, 7],
        latentDim: 3,
        decoderUnits: [7, 9],
        activation: 'leakyRelu',
        leakyReluAlpha: 0.2,
        likelihood: { kind: 'bernoulli' },
        beta: 2,
      });
      expect(() =>
        checkDenseVaeSpec(
          spec as NonNullable<typeof spec>,
          vae.trainableVariables.map((v) => v.shape),
        ),
      ).not.toThrow();
    } finally {
      vae.dispose();
    }
  });

  it.each<[string, MlpVAEConfig]>([
    ['dropout', { dropout: 0.1 }],
    ['a tanh activation', { activation: 'tanh' }],
    ['a learned variance', { likelihood: 'learned-gaussian' }],
    ['free bits', { freeBits: 0.5 }],
  ])('leaves out an MLP VAE with %s', (_, extra) => {
    const vae = buildMlpVAE({ inputShape: [8], hiddenUnits: [4], latentDim: 2, ...extra });
    try {
      expect(denseVaeSpecOf(vae)).toBeUndefined();
    } finally {
      vae.dispose();
    }
  });

  it('describes a conditional MLP with its condition width, and leaves out conv models', () => {
    const conv = buildConvVAE({ inputShape: [8, 8, 1], filters: [2], latentDim: 2, denseUnits: 4 });
    const convConditional = buildConditionalVAE({
      variant: 'conv',
      inputShape: [8, 8, 1],
      filters: [2],
      latentDim: 2,
      denseUnits: 4,
    });
    const conditional = buildConditionalVAE({ inputShape: [8], numClasses: 3, latentDim: 2 });
    const gaussian = buildMlpVAE({
      inputShape: [8],
      hiddenUnits: [4],
      latentDim: 2,
      likelihood: { kind: 'gaussian', sigma: 0.3 },
    });
    try {
      expect(denseVaeSpecOf(conv)).toBeUndefined();
      expect(denseVaeSpecOf(convConditional)).toBeUndefined();
      const spec = denseVaeSpecOf(conditional);
      expect(spec?.conditionWidth).toBe(3);
      expect(() =>
        checkDenseVaeSpec(
          spec as NonNullable<typeof spec>,
          conditional.trainableVariables.map((v) => v.shape),
        ),
      ).not.toThrow();
      expect(denseVaeSpecOf(gaussian)?.likelihood).toEqual({ kind: 'gaussian', sigma: 0.3 });
    } finally {
      for (const m of [conv, convConditional, conditional, gaussian]) m.dispose();
    }
  });
});
