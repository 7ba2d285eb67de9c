import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { buildConditionalVAE, buildConvVAE, buildMlpVAE, type MlpVAEConfig } from '@vae/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MlpVAESpec } from './mlp-vae-spec.js';
import { checkMlpVAESpec } from './mlp-vae-spec.js';
import { mlpVAESupport } from './vae-replica.js';

function specOf(vae: Parameters<typeof mlpVAESupport>[0]): MlpVAESpec | undefined {
  const support = mlpVAESupport(vae);
  return 'spec' in support ? support.spec : undefined;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('mlpVAESupport', () => {
  it('describes an MLP VAE the fused step can train, matching its variables', () => {
    const vae = buildMlpVAE({
      inputShape: [6, 5],
      hiddenUnits: [9, 7],
      latentDim: 3,
      activation: 'leakyRelu',
      beta: 2,
    });
    try {
      const spec = specOf(vae);
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
        checkMlpVAESpec(
          spec as NonNullable<typeof spec>,
          vae.trainableVariables.map((v) => v.shape),
        ),
      ).not.toThrow();
    } finally {
      vae.dispose();
    }
  });

  it.each<[string, MlpVAEConfig, RegExp]>([
    ['dropout', { dropout: 0.1 }, /runs no dropout \(dropout 0.1\)/],
    ['a tanh activation', { activation: 'tanh' }, /runs relu, leakyRelu and linear layers, not tanh/],
    [
      'a learned variance',
      { likelihood: 'learned-gaussian' },
      /fixed-sigma Gaussian likelihoods, not learned-gaussian/,
    ],
    ['free bits', { freeBits: 0.5 }, /runs no free bits \(freeBits 0.5\)/],
  ])('leaves out an MLP VAE with %s and says why', (_, extra, why) => {
    const vae = buildMlpVAE({ inputShape: [8], hiddenUnits: [4], latentDim: 2, ...extra });
    try {
      expect(specOf(vae)).toBeUndefined();
      expect((mlpVAESupport(vae) as { reason: string }).reason).toMatch(why);
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
      expect(specOf(conv)).toBeUndefined();
      expect(mlpVAESupport(conv)).toEqual({
        reason: 'the fused MLP step runs MLPs of buildMlpVAE and buildConditionalVAE, not a model of buildConvVAE',
      });
      expect(specOf(convConditional)).toBeUndefined();
      const spec = specOf(conditional);
      expect(spec?.conditionWidth).toBe(3);
      expect(() =>
        checkMlpVAESpec(
          spec as NonNullable<typeof spec>,
          conditional.trainableVariables.map((v) => v.shape),
        ),
      ).not.toThrow();
      expect(specOf(gaussian)?.likelihood).toEqual({ kind: 'gaussian', sigma: 0.3 });
    } finally {
      for (const m of [conv, convConditional, conditional, gaussian]) m.dispose();
    }
  });
});
