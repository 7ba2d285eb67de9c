import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { expectNoTensorLeak, grayRows, toyVAE } from '../../test/helpers.js';
import { interpolateCodes } from './interpolate.js';
import { interpolationStrip } from './interpolation-strip.js';
import { latentManifold, latentManifoldCodes } from './latent-manifold.js';
import { latentTraversal } from './latent-traversal.js';
import { conditionalWalkGifs, latentWalkCodes, latentWalkFrames, latentWalkGif } from './latent-walk.js';
import { normalQuantile } from './normal-quantile.js';

describe('normalQuantile', () => {
  it('matches tabulated quantiles of N(0, 1)', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 8);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.6448536269514722, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(() => normalQuantile(1)).toThrow(ConfigError);
  });
});

describe('latentManifoldCodes', () => {
  it('puts dims[0] left to right and dims[1] bottom to top over a range', () => {
    const { codes, values } = latentManifoldCodes(2, { steps: 3, range: 1 });
    expect(values).toEqual([-1, 0, 1]);
    expect(codes).toEqual([
      [-1, 1],
      [0, 1],
      [1, 1],
      [-1, 0],
      [0, 0],
      [1, 0],
      [-1, -1],
      [0, -1],
      [1, -1],
    ]);
  });

  it('places the grid at Gaussian quantiles by default and keeps other dims at fixed', () => {
    const { codes, values } = latentManifoldCodes(4, { steps: 2, dims: [3, 1], fixed: [7, 7, 7, 7] });
    expect(values[0]).toBeCloseTo(-1.6448536, 6);
    expect(values[1]).toBeCloseTo(1.6448536, 6);
    expect(codes[1]![0]).toBe(7);
    expect(codes[1]![3]).toBeCloseTo(1.6448536, 6); // top right: dims[0] high
    expect(codes[1]![1]).toBeCloseTo(1.6448536, 6); // top row: dims[1] high
  });

  it('rejects bad dims, range, quantiles and fixed', () => {
    expect(() => latentManifoldCodes(2, { dims: [0, 0] })).toThrow(
      /dims must be two different latent dimensions in \[0, 1\], got \[0, 0\]/,
    );
    expect(() => latentManifoldCodes(2, { range: [1, -1] })).toThrow(ConfigError);
    expect(() => latentManifoldCodes(2, { quantiles: [0, 0.9] })).toThrow(/0 < lo < hi < 1/);
    expect(() => latentManifoldCodes(3, { fixed: [0, 0] })).toThrow(/fixed must hold 3 finite numbers, got 2/);
    expect(() => latentManifoldCodes(1)).toThrow(/at least 2 dimensions/);
  });
});

describe('latentManifold', () => {
  it('decodes the grid into one picture (pixels known by hand)', () => {
    const vae = toyVAE();
    const picture = latentManifold(vae, { steps: 2, range: [0, 1] });
    // Each cell is 1 x 2: [clip(z0), clip(z1)]. Top row has z1 = 1, bottom row z1 = 0.
    expect(grayRows(picture)).toEqual([
      [0, 255, 255, 255],
      [0, 0, 255, 0],
    ]);
  });

  it('works with a bare decode function and a flat decoder output with imageShape, in batches', () => {
    const decode = (z: tf.Tensor2D) => tf.clipByValue(z, 0, 1);
    const picture = latentManifold(decode, { steps: 3, range: [0, 1], imageShape: [1, 2], batchSize: 4, padding: 1 });
    expect([picture.width, picture.height]).toEqual([3 * 3 + 1, 3 * 2 + 1]);
    expect(grayRows(picture)[1]!.slice(1, 3)).toEqual([0, 255]);
  });

  it('disposes everything it makes', () => {
    const vae = toyVAE();
    expectNoTensorLeak(() => latentManifold(vae, { steps: 4, batchSize: 5 }));
  });

  it('tells how to fix a flat decoder output', () => {
    const decode = (z: tf.Tensor2D) => tf.clone(z);
    expect(() => latentManifold(decode, { steps: 2 })).toThrow(ShapeError);
    expect(() => latentManifold(decode, { steps: 2 })).toThrow(/imageShape/);
    const before = tf.memory().numTensors;
    expect(() => latentManifold(decode, { steps: 2 })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('interpolateCodes', () => {
  it('interpolates linearly, ends included', () => {
    expect(interpolateCodes([0, 0], [2, 4], 3, 'linear')).toEqual([
      [0, 0],
      [1, 2],
      [2, 4],
    ]);
  });

  it('follows the great circle with spherical interpolation', () => {
    const [start, middle, end] = interpolateCodes([1, 0], [0, 1], 3, 'spherical');
    expect(start![0]).toBeCloseTo(1, 12);
    expect(middle![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(middle![1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(end![1]).toBeCloseTo(1, 12);
    const scaled = interpolateCodes([2, 0], [0, 4], 3, 'spherical')[1]!;
    expect(Math.hypot(...scaled)).toBeCloseTo(3, 12); // norm goes linearly from 2 to 4
    expect(interpolateCodes([1, 1], [2, 2], 3, 'spherical')[1]).toEqual([1.5, 1.5]); // parallel: straight line
  });

  it('rejects bad steps, lengths and methods', () => {
    expect(() => interpolateCodes([0], [1], 1)).toThrow(/steps must be an integer >= 2, got 1/);
    expect(() => interpolateCodes([0], [1, 2], 3)).toThrow(/same length, got 1 and 2/);
    expect(() => interpolateCodes([0], [1], 3, 'cubic' as 'linear')).toThrow(ConfigError);
    // The name viz used before the method became core's InterpolationMethod is refused, with the new one.
    expect(() => interpolateCodes([0], [1], 3, 'slerp' as 'linear')).toThrow(
      /method must be 'linear' or 'spherical', got slerp\. Spherical interpolation is called 'spherical'\./,
    );
  });
});

describe('interpolationStrip', () => {
  it('encodes both ends and decodes the path between their means', () => {
    const vae = toyVAE();
    const a = tf.tensor4d([0, 1], [1, 1, 2, 1]);
    const b = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    const strip = interpolationStrip(vae, a, b, { steps: 3, padding: 0 });
    expect(grayRows(strip)).toEqual([[0, 255, 128, 128, 255, 0]]);
    expectNoTensorLeak(() => interpolationStrip(vae, a, b, { steps: 3, method: 'spherical' }));
    tf.dispose([a, b]);
  });

  it('takes latent codes and several pairs as rows', () => {
    const strip = interpolationStrip(
      toyVAE(),
      [
        [0, 0],
        [1, 1],
      ],
      [
        [1, 1],
        [0, 0],
      ],
      { from: 'latent', steps: 2, padding: 0 },
    );
    expect(grayRows(strip)).toEqual([
      [0, 0, 255, 255],
      [255, 255, 0, 0],
    ]);
  });

  it('rejects arrays as data and codes of the wrong size', () => {
    expect(() => interpolationStrip(toyVAE(), [0, 0], [1, 1])).toThrow(/Pass \{ from: 'latent' \}/);
    expect(() => interpolationStrip(toyVAE(), [0, 0, 0], [1, 1, 1], { from: 'latent' })).toThrow(ShapeError);
  });
});

describe('latentTraversal', () => {
  it('sweeps one dimension per row and keeps the others', () => {
    const vae = toyVAE();
    const picture = latentTraversal(vae, [0.2, 0.6], { range: [0, 1], steps: 3, padding: 0 });
    expect(grayRows(picture)).toEqual([
      [0, 153, 128, 153, 255, 153],
      [51, 0, 51, 128, 51, 255],
    ]);
    const z = tf.tensor2d([[0.2, 0.6]]);
    expectNoTensorLeak(() => latentTraversal(vae, z, { dim: 1 }));
    z.dispose();
  });

  it('rejects dims outside the latent space', () => {
    expect(() => latentTraversal(toyVAE(), [0, 0], { dim: 2 })).toThrow(
      /dim must name latent dimensions in \[0, 1\], got 2/,
    );
    expect(() =>
      latentTraversal(toyVAE(), [
        [0, 0],
        [1, 1],
      ] as never),
    ).toThrow(/z must be one code, got 2/);
  });
});

describe('latent walks', () => {
  it('loops through seeded prior samples and comes back to the start', () => {
    const frames = latentWalkCodes(3, { frames: 8, walkers: 2, keyframes: 4, seed: 5 });
    expect(frames).toHaveLength(8);
    expect(frames[0]).toHaveLength(2);
    expect(latentWalkCodes(3, { frames: 8, walkers: 2, keyframes: 4, seed: 5 })).toEqual(frames);
    expect(latentWalkCodes(3, { frames: 8, walkers: 2, keyframes: 4, seed: 6 })).not.toEqual(frames);
    // Frame 2 of 8 with 4 keyframes is exactly keyframe 1.
    const full = latentWalkCodes(3, { frames: 16, walkers: 2, keyframes: 4, seed: 5 });
    expect(full[4]).toEqual(frames[2]);
  });

  it('makes frames of the same size and disposes every tensor', () => {
    const vae = toyVAE();
    const frames = latentWalkFrames(vae, { frames: 6, walkers: 4, columns: 2, padding: 1 });
    expect(frames).toHaveLength(6);
    for (const f of frames) expect([f.width, f.height]).toEqual([2 * 3 + 1, 2 * 2 + 1]);
    expectNoTensorLeak(() => latentWalkGif(vae, { frames: 3, walkers: 2 }));
  });

  it('makes one GIF per class for a conditional model, passing one-hot labels', async () => {
    const cvae = toyVAE(3);
    const gifs = conditionalWalkGifs(cvae, { frames: 4, walkers: 2 });
    expect(gifs.map((g) => g.label)).toEqual([0, 1, 2]);
    const sharp = (await import('sharp')).default;
    for (const { gif } of gifs) {
      const meta = await sharp(gif, { animated: true }).metadata();
      expect(meta.pages).toBe(4);
    }
    expect(cvae.calls.map((c) => c.labels?.[0])).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => conditionalWalkGifs(toyVAE())).toThrow(/not conditional/);
    expectNoTensorLeak(() => conditionalWalkGifs(cvae, { frames: 2, walkers: 1 }));
  });

  it('checks the label of a conditional model', () => {
    expect(() => latentWalkFrames(toyVAE(3), { frames: 1, walkers: 1, label: 3 })).toThrow(
      /label must be an integer class index in \[0, 2\], got 3/,
    );
  });
});
