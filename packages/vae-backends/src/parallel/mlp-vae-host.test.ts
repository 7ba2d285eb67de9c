import { ConfigError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { MlpVAEHost } from './mlp-vae-host.js';
import { checkMlpVAESpec, denseVariableShapes, type MlpVAESpec } from './mlp-vae-spec.js';

const SPEC: MlpVAESpec = {
  inputSize: 5,
  encoderUnits: [4],
  latentDim: 2,
  decoderUnits: [4],
  activation: 'relu',
  likelihood: { kind: 'bernoulli' },
  beta: 1,
  conditionWidth: 3,
};
const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

function host(): { h: MlpVAEHost; heap: () => Float32Array } {
  const h = MlpVAEHost.tryCreate(SPEC, ADAM, 2) as MlpVAEHost;
  expect(h).not.toBeNull();
  return { h, heap: () => new Float32Array(h.memory.buffer) };
}

const x = (rows: number) => ({ values: Float32Array.from({ length: rows * 5 }, (_, i) => i + 1), shape: [rows, 5] });
const eps = (rows: number) => ({ values: new Float32Array(rows * 2).fill(0.5), shape: [rows, 2] });

describe('MlpVAEHost.writeBatch (conditional spec)', () => {
  it('joins one-hot labels from class ids to each input row and after each latent slot', () => {
    const { h, heap } = host();
    h.writeBatch({ x: x(2), eps: eps(2), labels: { values: Float32Array.of(2, 0), shape: [2] } }, 2);
    const f = heap();
    const { xy, z } = h.layout;
    expect(Array.from(f.subarray(xy, xy + 16))).toEqual([1, 2, 3, 4, 5, 0, 0, 1, 6, 7, 8, 9, 10, 1, 0, 0]);
    expect(Array.from(f.subarray(z + 2, z + 5))).toEqual([0, 0, 1]);
    expect(Array.from(f.subarray(z + 7, z + 10))).toEqual([1, 0, 0]);
    // [rows, 3] values are taken as they are.
    h.writeBatch({ x: x(1), eps: eps(1), labels: { values: Float32Array.of(0.2, 0.3, 0.5), shape: [1, 3] } }, 1);
    expect(Array.from(heap().subarray(xy + 5, xy + 8))).toEqual([0.2, 0.3, 0.5].map(Math.fround));
  });

  it('names what is missing or wrong', () => {
    const { h } = host();
    expect(() => h.writeBatch({ x: x(2), eps: eps(2) }, 2)).toThrow(ShapeError);
    expect(() => h.writeBatch({ x: x(2), eps: eps(2) }, 2)).toThrow(/labels: \[rows\] class ids or \[rows, 3\]/);
    expect(() =>
      h.writeBatch({ x: x(2), eps: eps(2), labels: { values: Float32Array.of(1, 3), shape: [2] } }, 2),
    ).toThrow(/class id 3 in 'labels' \(ids must be integers in \[0, 2\]\)/);
    expect(() =>
      h.writeBatch({ x: x(2), eps: eps(2), labels: { values: new Float32Array(4), shape: [2, 2] } }, 2),
    ).toThrow(/'labels' with 4 values/);
    expect(() =>
      h.writeBatch({ x: x(2), eps: eps(2), labels: { values: Float32Array.of(0, 1), shape: [2] }, y: x(2) }, 2),
    ).toThrow(/an entry 'y' it does not use/);
  });

  it('declines a model whose memory would exceed the limit, and a batch that would', () => {
    expect(MlpVAEHost.tryCreate({ ...SPEC, inputSize: 2 ** 20, encoderUnits: [512] }, ADAM, 2)).toBeNull();
    const { h } = host();
    expect(h.needsRoomFor(129)).toBe(true);
    expect(() => h.grow(2 ** 28)).toThrow(ConfigError);
    expect(() => h.grow(2 ** 28)).toThrow(
      /MiB of shared memory for batches of 268435456 rows, more than its 2048 MiB limit/,
    );
    // A batch that fits moves the weights and Adam's state to the bigger memory.
    h.setWeights(denseVariableShapes(SPEC).map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)).fill(0.5)));
    h.grow(300);
    expect(h.layout.capacity).toBe(320);
    expect(h.weights().every((w) => w.every((v) => v === 0.5))).toBe(true);
  });

  it("rejects another optimizer's state", () => {
    const { h } = host();
    const state = h.optimizerState();
    expect(state.slots.map((s) => s.suffix)).toEqual(['/m', '/v']);
    expect(() => h.setOptimizerState({ ...state, className: 'RMSProp' })).toThrow(ConfigError);
    expect(() =>
      h.setOptimizerState({ ...state, slots: state.slots.map((s, i) => ({ ...s, suffix: `/slot${i}` })) }),
    ).toThrow(/Adam, whose state has slots '\/m' and '\/v'; got VAEAdam with slots \["\/slot0","\/slot1"\]/);
  });
});

describe('checkMlpVAESpec', () => {
  const shapes = denseVariableShapes(SPEC);
  it.each<[string, Partial<MlpVAESpec>, RegExp]>([
    ['inputSize', { inputSize: 0 }, /mlpVAE\.inputSize must be a positive integer, got 0/],
    ['latentDim', { latentDim: 1.5 }, /mlpVAE\.latentDim must be a positive integer, got 1\.5/],
    [
      'encoderUnits',
      { encoderUnits: [] },
      /mlpVAE\.encoderUnits must be a non-empty list of positive integers, got \[\]/,
    ],
    ['decoderUnits', { decoderUnits: [4, -1] }, /mlpVAE\.decoderUnits must be a non-empty list/],
    [
      'activation',
      { activation: 'elu' as 'relu' },
      /mlpVAE\.activation must be 'relu', 'leakyRelu' or 'linear', got "elu"/,
    ],
    ['leakyReluAlpha', { leakyReluAlpha: Number.NaN }, /mlpVAE\.leakyReluAlpha must be a finite number >= 0/],
    ['likelihood', { likelihood: { kind: 'gaussian', sigma: 0 } }, /mlpVAE\.likelihood must be/],
    ['beta', { beta: -1 }, /mlpVAE\.beta must be a finite number >= 0, got -1/],
    ['conditionWidth', { conditionWidth: 0.5 }, /mlpVAE\.conditionWidth must be an integer >= 0, got 0\.5/],
  ])('names a bad %s', (_, change, message) => {
    const error = (() => {
      try {
        checkMlpVAESpec({ ...SPEC, ...change }, shapes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts the shapes it implies', () => {
    expect(() => checkMlpVAESpec(SPEC, shapes)).not.toThrow();
    expect(shapes[0]).toEqual([5 + 3, 4]); // the label joins the encoder's input
  });
});
