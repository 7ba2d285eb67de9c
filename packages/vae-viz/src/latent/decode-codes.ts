import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { type ImageBatch, type ImageShape, isTensor, toImageBatch } from '../image/image-batch.js';
import { type ConditionOptions, decodeWith, isVAELike } from '../model/conditioning.js';
import type { DecodeFn, VAELike } from '../model/vae-like.js';

/**
 * Options every picture that decodes latent codes accepts.
 *
 * @category Visualization
 */
export interface DecodeOptions extends ConditionOptions {
  /**
   * Shape of one image when the decoder returns flat vectors (`[28, 28]` for `[n, 784]`).
   * @defaultValue `undefined` (the decoder returns `[n, h, w, c]` or `[n, h, w]`)
   */
  imageShape?: ImageShape;
  /**
   * Codes decoded per call, to bound memory on large grids.
   * @defaultValue `256`
   */
  batchSize?: number;
}

/** Latent size of a VAE-like object, or the one given for a bare decode function. */
export function resolveLatentDim(where: string, model: VAELike | DecodeFn, given: number | undefined): number {
  const latentDim = isVAELike(model) ? model.latentDim : (given ?? 2);
  if (!(Number.isInteger(latentDim) && latentDim > 0)) {
    throw new ConfigError(
      `${where}: latentDim must be a positive integer, got ${String(latentDim)}. Pass { latentDim } with a decode function.`,
      { field: 'options.latentDim', expected: 'a positive integer', got: latentDim },
    );
  }
  if (isVAELike(model) && given !== undefined && given !== latentDim) {
    throw new ConfigError(
      `${where}: options.latentDim (${given}) differs from the model's latentDim (${latentDim}). Leave it out when passing a VAE.`,
      { field: 'options.latentDim', expected: String(latentDim), got: given },
    );
  }
  return latentDim;
}

/**
 * Reads latent codes from a tensor (`[n, latentDim]` or `[latentDim]`), a flat array (one code)
 * or an array of arrays.
 */
export function readCodes(
  where: string,
  argument: string,
  value: tf.Tensor | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
  latentDim: number,
): number[][] {
  let codes: number[][];
  if (isTensor(value)) {
    const shape = value.shape;
    if (shape.length > 2 || shape[shape.length - 1] !== latentDim) {
      throw new ShapeError(
        `${where}: ${argument} must be [n, ${latentDim}] or [${latentDim}], got [${shape.join(', ')}]. Pass latent codes of the model's latentDim.`,
        { argument, expected: [null, latentDim], got: shape },
      );
    }
    const flat = value.dataSync();
    codes = [];
    for (let i = 0; i < flat.length; i += latentDim) codes.push(Array.from(flat.subarray(i, i + latentDim)));
  } else if (value.length > 0 && typeof (value as ArrayLike<unknown>)[0] === 'number') {
    codes = [Array.from(value as ArrayLike<number>)];
  } else {
    codes = Array.from(value as ReadonlyArray<ArrayLike<number>>, (row) => Array.from(row));
  }
  const bad = codes.findIndex((c) => c.length !== latentDim || !c.every(Number.isFinite));
  if (codes.length === 0 || bad >= 0) {
    throw new ShapeError(
      `${where}: ${argument} must hold finite codes of length ${latentDim}, got ${codes.length === 0 ? 'none' : `length ${codes[bad]!.length} at row ${bad}`}.`,
      { argument, expected: [null, latentDim], got: [codes.length, codes[bad]?.length ?? 0] },
    );
  }
  return codes;
}

/**
 * Decodes codes in batches and reads the images back as plain numbers; every tensor made here is
 * disposed before returning.
 */
export function decodeCodes(
  where: string,
  model: VAELike | DecodeFn,
  codes: ReadonlyArray<ReadonlyArray<number>>,
  options: DecodeOptions,
): ImageBatch {
  const batchSize = options.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new ConfigError(`${where}: batchSize must be a positive integer, got ${String(batchSize)}.`, {
      field: 'options.batchSize',
      expected: 'a positive integer',
      got: batchSize,
    });
  }
  const latentDim = codes[0]!.length;
  let data: Float32Array | undefined;
  let first: ImageBatch | undefined;
  for (let start = 0; start < codes.length; start += batchSize) {
    const rows = codes.slice(start, start + batchSize);
    const flat = new Float32Array(rows.length * latentDim);
    rows.forEach((row, i) => {
      flat.set(row, i * latentDim);
    });
    const z = tf.tensor2d(flat, [rows.length, latentDim]);
    let decoded: tf.Tensor | undefined;
    try {
      decoded = decodeWith(where, model, z, options);
      const batch = toImageBatch(where, decoded, options.imageShape);
      if (batch.count !== rows.length) {
        throw new ShapeError(
          `${where}: the decoder returned ${batch.count} images for ${rows.length} codes. A decoder must return one output per row of z.`,
          { argument: 'decode(z)', expected: [rows.length], got: decoded.shape },
        );
      }
      const per = batch.height * batch.width * batch.channels;
      if (first === undefined) {
        first = batch;
        data = new Float32Array(codes.length * per);
      }
      data!.set(batch.data as Float32Array, start * per);
    } finally {
      z.dispose();
      decoded?.dispose();
    }
  }
  return { count: codes.length, height: first!.height, width: first!.width, channels: first!.channels, data: data! };
}
