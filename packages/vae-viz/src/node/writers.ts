import { PersistenceError } from '@vae/core';
import { writeFileAtomic } from '@vae/core/internal';
import { type EncodeGifOptions, encodeGif } from '../encode/gif.js';
import { type EncodePngOptions, encodePng } from '../encode/png.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { type TrainingReportOptions, type TrainingRun, trainingReport } from '../report/training-report.js';

/** Core's atomic write, with the writer's name in front of a failure. */
async function write(where: string, path: string, content: Uint8Array | string): Promise<void> {
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    if (!PersistenceError.isInstance(error)) throw error;
    throw new PersistenceError(`${where}: could not write ${path}: ${error.message}`, {
      location: error.location,
      reason: error.reason,
      code: error.code,
      cause: error,
    });
  }
}

/**
 * Writes a picture as a PNG file, atomically (a temporary file renamed into place); parent folders
 * are created.
 *
 * @param path - Target file, e.g. `'runs/mnist/manifold.png'`.
 * @param image - The picture, e.g. from `imageGrid` or `latentManifold`.
 * @param options - PNG compression level.
 * @returns A promise that settles when the file is in place.
 * @throws `PersistenceError` (from `@vae/core`) naming the file and the cause (read-only, no space, not a folder) when it cannot be written.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { imageGrid } from '@vae/viz';
 * import { writePng } from '@vae/viz/node';
 *
 * const x = tf.randomUniform([16, 28, 28, 1]);
 * await writePng('out/grid.png', imageGrid(x, { columns: 4 }));
 * x.dispose();
 * ```
 * @category Visualization
 */
export async function writePng(path: string, image: RgbaImage, options: EncodePngOptions = {}): Promise<void> {
  await write('writePng', path, encodePng(image, options));
}

/**
 * Writes an animated GIF, atomically, from frames (encoded with `encodeGif`) or from GIF bytes.
 *
 * @param path - Target file, e.g. `'runs/mnist/walk.gif'`.
 * @param frames - Pictures of one size, or GIF bytes such as `latentWalkGif`'s.
 * @param options - Frame delay and looping, when frames are given.
 * @returns A promise that settles when the file is in place.
 * @throws `PersistenceError` (from `@vae/core`) naming the file and the cause when it cannot be written.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE } from '@vae/core';
 * import { latentWalkFrames } from '@vae/viz';
 * import { writeGif } from '@vae/viz/node';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2 }); // or your trained model
 * await writeGif('out/walk.gif', latentWalkFrames(vae, { frames: 32 }), { delayMs: 80 });
 * ```
 * @category Visualization
 */
export async function writeGif(
  path: string,
  frames: ReadonlyArray<RgbaImage> | Uint8Array,
  options: EncodeGifOptions = {},
): Promise<void> {
  await write('writeGif', path, frames instanceof Uint8Array ? frames : encodeGif(frames, options));
}

/**
 * Writes an SVG document (from `latentScatter` or `lossCurves`), atomically.
 *
 * @param path - Target file, e.g. `'runs/mnist/loss.svg'`.
 * @param svg - The SVG document.
 * @returns A promise that settles when the file is in place.
 * @throws `PersistenceError` (from `@vae/core`) naming the file and the cause when it cannot be written.
 * @example
 * ```ts
 * import { lossCurves } from '@vae/viz';
 * import { writeSvg } from '@vae/viz/node';
 *
 * await writeSvg('out/loss.svg', lossCurves([{ loss: 3 }, { loss: 2 }]));
 * ```
 * @category Visualization
 */
export async function writeSvg(path: string, svg: string): Promise<void> {
  await write('writeSvg', path, svg);
}

/**
 * Builds the one-file HTML report of a training run (see `trainingReport`) and writes it
 * atomically: a crash while writing never leaves a half-written report where a good one stood.
 *
 * @param path - Target file, e.g. `'runs/mnist/report.html'`.
 * @param run - What the run produced.
 * @param options - Sections to skip, seed, sizes.
 * @returns A promise that settles when the file is in place.
 * @throws `PersistenceError` (from `@vae/core`) naming the file and the cause when it cannot be written.
 * @throws `ShapeError` (from `@vae/core`) when `run.data` does not fit the model.
 * @example
 * ```ts
 * import { writeTrainingReport } from '@vae/viz/node';
 *
 * await writeTrainingReport('out/report.html', { title: 'demo', history: [{ loss: 3 }, { loss: 2 }] });
 * ```
 * @category Visualization
 */
export async function writeTrainingReport(
  path: string,
  run: TrainingRun,
  options: TrainingReportOptions = {},
): Promise<void> {
  await write('writeTrainingReport', path, trainingReport(run, options));
}
