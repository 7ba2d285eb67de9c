import { ConfigError } from '@vae/core';
import { type EncodeGifOptions, encodeGif } from '../encode/gif.js';
import type { ImageBatch } from '../image/image-batch.js';
import { type ImageGridOptions, layoutGrid, resolveGridSettings } from '../image/image-grid.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { classCount } from '../model/conditioning.js';
import type { DecodeFn, VAELike } from '../model/vae-like.js';
import { type DecodeOptions, decodeCodes, resolveLatentDim } from './decode-codes.js';
import { interpolateAt } from './interpolate.js';
import { normalSource } from './random.js';

/**
 * Options of {@link latentWalkFrames}, {@link latentWalkGif} and {@link conditionalWalkGifs}.
 *
 * @category Visualization
 */
export interface LatentWalkOptions extends DecodeOptions, Omit<ImageGridOptions, 'imageShape'> {
  /**
   * Frames of the animation.
   * @defaultValue `48`
   */
  frames?: number;
  /**
   * Walkers shown side by side in each frame, each on its own path.
   * @defaultValue `16`
   */
  walkers?: number;
  /**
   * Random prior samples each walker visits before returning to its start (the loop is seamless).
   * @defaultValue `4`
   */
  keyframes?: number;
  /**
   * Seed of the prior samples, so a walk can be drawn again.
   * @defaultValue `0`
   */
  seed?: number;
  /**
   * Latent size when `decoder` is a function; taken from the model when it is a VAE.
   * @defaultValue `2`
   */
  latentDim?: number;
}

/**
 * The codes of a looping walk: for each walker, `keyframes` N(0, I) samples visited in turn along
 * great-circle arcs (slerp), back to the first. Returns `frames` arrays of `walkers` codes.
 */
export function latentWalkCodes(latentDim: number, options: LatentWalkOptions = {}): number[][][] {
  const where = 'latentWalkFrames';
  const { frames = 48, walkers = 16, keyframes = 4, seed = 0 } = options;
  for (const [field, value, min] of [
    ['frames', frames, 1],
    ['walkers', walkers, 1],
    ['keyframes', keyframes, 2],
  ] as const) {
    if (!(Number.isInteger(value) && value >= min)) {
      throw new ConfigError(`${where}: ${field} must be an integer >= ${min}, got ${String(value)}.`, {
        field: `options.${field}`,
        expected: `an integer >= ${min}`,
        got: value,
      });
    }
  }
  const normal = normalSource(seed);
  const paths = Array.from({ length: walkers }, () =>
    Array.from({ length: keyframes }, () => Array.from({ length: latentDim }, () => normal())),
  );
  const out: number[][][] = [];
  for (let f = 0; f < frames; f++) {
    const position = (f / frames) * keyframes;
    const segment = Math.floor(position);
    const t = position - segment;
    out.push(
      paths.map((keys) => {
        const a = keys[segment % keyframes]!;
        const b = keys[(segment + 1) % keyframes]!;
        return interpolateAt(a, b, t, 'spherical');
      }),
    );
  }
  return out;
}

/**
 * Decodes a looping walk through the latent space into animation frames: each frame is a grid of
 * `walkers` images, each walker following its own seeded path through samples of the prior.
 * Encode the frames with {@link encodeGif}. All tensors made here are disposed.
 *
 * @param decoder - A VAE-like object or a decode function.
 * @param options - Frames, walkers, keyframes, seed, decoding and layout.
 * @returns `frames` new RGBA pictures of the same size.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @throws `ShapeError` (from `@vae/core`) when the decoder's output is not a batch of images.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * import { encodeGif, latentWalkFrames } from '@vae/viz';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2 }); // or your trained model
 * const frames = latentWalkFrames(vae, { frames: 32, walkers: 9, scale: 2 });
 * const gif = encodeGif(frames, { delayMs: 80 });
 * ```
 * @category Visualization
 */
export function latentWalkFrames(decoder: VAELike | DecodeFn, options: LatentWalkOptions = {}): RgbaImage[] {
  const where = 'latentWalkFrames';
  const settings = resolveGridSettings(where, options);
  const latentDim = resolveLatentDim(where, decoder, options.latentDim);
  const frames = latentWalkCodes(latentDim, options);
  const batch = decodeCodes(where, decoder, frames.flat(), options);
  const walkers = frames[0]!.length;
  const per = batch.height * batch.width * batch.channels;
  const data = batch.data as Float32Array;
  return frames.map((_, f) => {
    const frame: ImageBatch = {
      ...batch,
      count: walkers,
      data: data.subarray(f * walkers * per, (f + 1) * walkers * per),
    };
    return layoutGrid(frame, settings);
  });
}

/**
 * A looping walk through the latent space as an animated GIF: {@link latentWalkFrames} encoded
 * with {@link encodeGif}.
 *
 * @param decoder - A VAE-like object or a decode function.
 * @param options - Walk, decoding, layout, and GIF timing (`delayMs`, `repeat`).
 * @returns New GIF bytes.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * import { latentWalkGif } from '@vae/viz';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2 }); // or your trained model
 * const gif = latentWalkGif(vae, { frames: 24, walkers: 4, delayMs: 100 });
 * ```
 * @category Visualization
 */
export function latentWalkGif(
  decoder: VAELike | DecodeFn,
  options: LatentWalkOptions & EncodeGifOptions = {},
): Uint8Array {
  return encodeGif(latentWalkFrames(decoder, options), options);
}

/**
 * An animated GIF for one class of a conditional model.
 *
 * @category Visualization
 */
export interface LabelledGif {
  /** The class the walk was decoded with. */
  readonly label: number;
  /** GIF bytes. */
  readonly gif: Uint8Array;
}

/**
 * One animated latent walk per class of a conditional VAE: the same seeded paths decoded with each
 * label in turn, so the GIFs differ only in the class (style stays, content changes).
 *
 * @param vae - A conditional VAE-like object (`numClasses > 0`).
 * @param options - Walk, decoding, layout and GIF timing; `label` is ignored, `labelFormat` is used.
 * @returns One `{ label, gif }` per class, in class order.
 * @throws `ConfigError` (from `@vae/core`) when the model is not conditional or an option is out of range.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildConditionalVAE } from '@vae/core';
 * import { conditionalWalkGifs } from '@vae/viz';
 *
 * const cvae = buildConditionalVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2, numClasses: 3 });
 * for (const { label, gif } of conditionalWalkGifs(cvae, { frames: 24, walkers: 4 })) console.log(label, gif.length);
 * ```
 * @category Visualization
 */
export function conditionalWalkGifs(
  vae: VAELike,
  options: Omit<LatentWalkOptions, 'label' | 'labels'> & EncodeGifOptions = {},
): LabelledGif[] {
  const classes = classCount(vae);
  if (classes === 0) {
    throw new ConfigError(
      'conditionalWalkGifs: the model is not conditional (numClasses is 0 or missing). Use latentWalkGif for an unconditional VAE.',
      { field: 'vae.numClasses', expected: 'a positive integer', got: vae.numClasses },
    );
  }
  return Array.from({ length: classes }, (_, label) => ({
    label,
    gif: latentWalkGif(vae, { ...options, label, labels: undefined }),
  }));
}
