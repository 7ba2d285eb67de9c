import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backends/use-backend.js';
import { VAEAdam } from './vae-adam.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Deterministic values in (-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/** Two variables (one of 7 values, so the SIMD path has a scalar tail) and a loss that uses both. */
function problem(seed: number) {
  const a = tf.variable(tf.tensor2d(values(12, seed), [3, 4]));
  const b = tf.variable(tf.tensor1d(values(7, seed + 1)));
  const target = tf.tensor2d(values(12, seed + 2), [3, 4]);
  const loss = () =>
    tf.tidy(() => tf.add(tf.sum(tf.square(tf.sub(a, target))), tf.sum(tf.mul(tf.square(b), b))) as tf.Scalar);
  return { vars: [a, b], loss, dispose: () => tf.dispose([a, b, target]) };
}

function train(optimizer: tf.Optimizer, p: ReturnType<typeof problem>, steps: number): void {
  for (let i = 0; i < steps; i++) tf.dispose(optimizer.minimize(p.loss, true, p.vars) ?? []);
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - (b[i]?.[j] as number)))));
}

describe('VAEAdam', () => {
  it("on cpu it runs tfjs Adam's formula op for op: the same weights, bit for bit", async () => {
    await tf.setBackend('cpu');
    const ours = problem(1);
    const theirs = problem(1);
    const adam = new VAEAdam(0.05, 0.8, 0.99, 1e-6);
    const stock = tf.train.adam(0.05, 0.8, 0.99, 1e-6);
    train(adam, ours, 9);
    train(stock, theirs, 9);
    expect(snapshot(ours.vars)).toEqual(snapshot(theirs.vars));
    expect(maxDiff(snapshot(ours.vars), [Array.from(values(12, 1)), Array.from(values(7, 2))])).toBeGreaterThan(0.1);
    expect(adam.iterations).toBe(9);
    adam.dispose();
    stock.dispose();
    ours.dispose();
    theirs.dispose();
  });

  it('on wasm its fused SIMD update stays within float32 rounding of tfjs Adam, and leaks nothing', async () => {
    await useBackend('wasm', { trainingEngine: 'in-thread' });
    const ours = problem(3);
    const theirs = problem(3);
    const adam = new VAEAdam(0.05);
    const stock = tf.train.adam(0.05);
    train(adam, ours, 2);
    const before = tf.memory().numTensors;
    train(adam, ours, 10);
    expect(tf.memory().numTensors).toBe(before);
    train(stock, theirs, 12);
    expect(maxDiff(snapshot(ours.vars), snapshot(theirs.vars))).toBeLessThan(1e-5);
    adam.dispose();
    stock.dispose();
    ours.dispose();
    theirs.dispose();
    await tf.setBackend('cpu');
  });

  it('saves and loads its state (and tfjs Adam’s), and a restored optimizer continues exactly', async () => {
    await tf.setBackend('cpu');
    const whole = problem(5);
    const straight = new VAEAdam(0.02);
    train(straight, whole, 8);

    const half = problem(5);
    const first = new VAEAdam(0.02);
    train(first, half, 4);
    const weights = await first.getWeights();
    expect(weights.map((w) => w.name.replace(/^.*\//, ''))).toEqual(['iter', 'm', 'm', 'v', 'v']);
    const copies = weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    first.dispose();
    const again = tf.serialization.SerializationMap.getMap().classNameMap.VAEAdam;
    expect(again).toBeDefined();
    const [cls, fromConfig] = again as unknown as [
      tf.serialization.SerializableConstructor<VAEAdam>,
      typeof VAEAdam.fromConfig,
    ];
    const restored = fromConfig(cls, (new VAEAdam(0.02) as VAEAdam).getConfig());
    await restored.setWeights(copies);
    train(restored, half, 4);
    expect(snapshot(half.vars)).toEqual(snapshot(whole.vars));
    expect(restored.iterations).toBe(8);

    // tfjs Adam's state continues in VAEAdam exactly as in tfjs Adam.
    const viaStock = problem(7);
    const stock = tf.train.adam(0.02);
    train(stock, viaStock, 3);
    const intoOurs = problem(7);
    const warm = tf.train.adam(0.02);
    train(warm, intoOurs, 3);
    const ours = new VAEAdam(0.02);
    await ours.setWeights(await warm.getWeights());
    train(stock, viaStock, 3);
    train(ours, intoOurs, 3);
    expect(snapshot(intoOurs.vars)).toEqual(snapshot(viaStock.vars));
    tf.dispose(copies.map((c) => c.tensor));
    for (const o of [straight, restored, stock, warm, ours]) o.dispose();
    for (const p of [whole, half, viaStock, intoOurs]) p.dispose();
  });

  it('refuses a state of another model, and bad settings, with typed errors', async () => {
    await tf.setBackend('cpu');
    const small = problem(9);
    const adam = new VAEAdam(0.01);
    train(adam, small, 1);
    const other = tf.variable(tf.zeros([5, 5]));
    const error = (() => {
      try {
        adam.minimize(() => tf.sum(other) as tf.Scalar, false, [other]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(
      /has shape \[5, 5\], but the optimizer's moments at position 0 have shape \[3, 4\]/,
    );
    expect(() => new VAEAdam(-1)).toThrow(ConfigError);
    expect(() => new VAEAdam(0.1, 1)).toThrow(/beta1 must be in \[0, 1\), got 1/);
    await expect(
      adam.setWeights([
        { name: 'iter', tensor: tf.scalar(1) },
        { name: 'x/m', tensor: tf.zeros([2]) },
      ]),
    ).rejects.toThrow(/an even count after 'iter'/);
    adam.dispose();
    other.dispose();
    small.dispose();
  });
});
