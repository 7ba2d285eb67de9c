import * as tf from '@tensorflow/tfjs-core';
import type { EpochLogs, VAE } from '@vae/core';
import { MNIST_CLASS_NAMES } from '@vae/datasets';
import {
  conditionalWalkGifs,
  encodeGif,
  type HistoryLike,
  imageGrid,
  interpolationStrip,
  latentManifold,
  latentScatter,
  lossCurves,
  type ReportPicture,
  type ReportSection,
  type RgbaImage,
  reconstructionGrid,
} from '@vae/viz';
import { writeGif, writePng, writeSvg, writeTrainingReport } from '@vae/viz/node';
import { plural } from '../cli/words.js';
import { runDescription } from './baseline.js';
import type { RunFolder, RunRecord } from './run-folder.js';
import type { TrainSettings } from './settings.js';

/** Pictures made while training (progress grids, latent-space frames, per-iteration losses). */
export interface TrainingPictures {
  /** Input/decoded grids written every `every` iterations, by iteration. */
  progress: Array<{ iteration: number; file: string; image: RgbaImage }>;
  /** Frames of the latent space, one per epoch (2-D conditional runs). */
  latentFrames: RgbaImage[];
  /** Loss read back every `every` iterations. */
  iterationLosses: Array<{ iteration: number; loss: number; reconstruction: number; kl: number }>;
}

/** Examples used for pictures, already as tensors (the caller disposes them). */
export interface Showcase {
  x: tf.Tensor;
  labels: tf.Tensor1D | undefined;
}

/** Core's epoch logs as viz reads them (viz's type is an open record of numbers). */
function asHistory(epochs: EpochLogs[]): HistoryLike {
  return epochs.map((e) => ({ ...e }) as Record<string, number>);
}

function labelsOf(vae: VAE, showcase: Showcase, n: number): tf.Tensor | undefined {
  return vae.numClasses > 0 && showcase.labels ? tf.slice(showcase.labels, 0, n) : undefined;
}

/** Per-iteration losses as an SVG plot (x axis: iterations). */
export function iterationLossSvg(losses: TrainingPictures['iterationLosses']): string {
  return lossCurves(
    losses.map((l) => ({ epoch: l.iteration, loss: l.loss, reconstruction: l.reconstruction, kl: l.kl })),
    { title: 'Loss every logged iteration (x: iteration)', unit: 'nats per example' },
  );
}

/**
 * Writes the pictures a run's settings ask for into its folder; returns the file names written
 * and the extra pictures for the report (those the report does not compute itself).
 */
export async function writePictures(
  run: RunFolder,
  vae: VAE,
  s: TrainSettings,
  history: EpochLogs[],
  showcase: Showcase,
  during: TrainingPictures,
): Promise<{ files: string[]; extras: ReportPicture[] }> {
  const files: string[] = [];
  const extras: ReportPicture[] = [];
  const want = new Set(s.pictures);
  const scale = s.dataset === 'folder' ? 1 : 2;
  const n = showcase.x.shape[0] as number;

  if (want.has('loss') && history.length > 0) {
    await writeSvg(run.path('loss.svg'), lossCurves(asHistory(history), { title: `${s.preset}: loss per epoch` }));
    files.push('loss.svg');
  }
  if (want.has('loss') && during.iterationLosses.length > 1) {
    const svg = iterationLossSvg(during.iterationLosses);
    await writeSvg(run.path('loss-iterations.svg'), svg);
    files.push('loss-iterations.svg');
    extras.push({ title: 'Loss by iteration', caption: `Read back every ${plural(s.every ?? 1, 'iteration')}.`, svg });
  }
  if (want.has('samples')) {
    let image: RgbaImage;
    if (vae.numClasses > 0) {
      const labels = Array.from({ length: vae.numClasses * 10 }, (_, i) => Math.floor(i / 10));
      const samples = vae.sample(labels.length, { seed: s.seed, labels });
      image = imageGrid(samples, { columns: 10, scale });
      samples.dispose();
    } else {
      const samples = vae.sample(64, { seed: s.seed });
      image = imageGrid(samples, { columns: 8, scale });
      samples.dispose();
    }
    await writePng(run.path('samples.png'), image);
    files.push('samples.png');
  }
  if (want.has('reconstructions') && n > 0) {
    const k = Math.min(n, 16);
    const x = tf.slice(showcase.x, 0, k);
    const labels = labelsOf(vae, showcase, k);
    const xHat = vae.reconstruct(x, labels ? { labels } : {});
    await writePng(run.path('reconstructions.png'), reconstructionGrid(x, xHat, { columns: 8, scale }));
    tf.dispose([x, xHat, ...(labels ? [labels] : [])]);
    files.push('reconstructions.png');
  }
  if (want.has('manifold') && vae.numClasses === 0) {
    await writePng(run.path('manifold.png'), latentManifold(vae, { steps: 20 }));
    files.push('manifold.png');
  }
  if (want.has('scatter') && showcase.labels && n > 0) {
    const labels = vae.numClasses > 0 ? showcase.labels : undefined;
    const { mean, logVar } = vae.encode(showcase.x, labels ? { labels } : {});
    await writeSvg(
      run.path('latent-scatter.svg'),
      latentScatter(mean, showcase.labels, { classNames: MNIST_CLASS_NAMES, title: 'Latent means of test digits' }),
    );
    tf.dispose([mean, logVar]);
    files.push('latent-scatter.svg');
  }
  if (want.has('interpolation') && n >= 2) {
    const pairs = Math.min(4, Math.floor(n / 2));
    const a = tf.slice(showcase.x, 0, pairs);
    const b = tf.slice(showcase.x, pairs, pairs);
    await writePng(run.path('interpolation.png'), interpolationStrip(vae, a, b, { steps: 10, scale }));
    tf.dispose([a, b]);
    files.push('interpolation.png');
  }
  if (want.has('progress') && during.progress.length > 0) {
    files.push(...during.progress.map((p) => p.file));
    const last = during.progress[during.progress.length - 1];
    if (last) {
      extras.push({
        title: `Input (left) and decoded (right) at iteration ${last.iteration}`,
        caption: `One picture every ${plural(s.every ?? 1, 'iteration')} in progress/.`,
        image: last.image,
      });
    }
    const gif = encodeGif(
      during.progress.map((p) => p.image),
      { delayMs: 300 },
    );
    await writeGif(run.path('progress.gif'), gif);
    files.push('progress.gif');
    extras.push({ title: 'Decoded test digits through training', gif });
  }
  if (want.has('latent-gif') && during.latentFrames.length > 0) {
    const gif = encodeGif(during.latentFrames, { delayMs: 500 });
    await writeGif(run.path('latent-space.gif'), gif);
    files.push('latent-space.gif');
    extras.push({
      title: 'The latent space through training',
      caption: 'Posterior means of test digits after each epoch, coloured by digit.',
      gif,
    });
  }
  if (want.has('digit-gifs') && vae.numClasses > 0) {
    for (const { label, gif } of conditionalWalkGifs(vae, { frames: 24, walkers: 9, labelFormat: 'index', scale })) {
      const name = `digit-${label}.gif`;
      await writeGif(run.path(name), gif);
      files.push(name);
      if (label < 3 || label === vae.numClasses - 1) {
        extras.push({ title: `Latent walk, digit ${label}`, caption: `All ten: digit-0.gif ... digit-9.gif.`, gif });
      }
    }
  }
  return { files, extras };
}

/**
 * Writes `report.html` for a run: what it changed from the settings its description was written
 * for, why its pictures may show little (`warnings`), configuration, metrics, curves and every
 * picture that applies.
 */
export async function writeReport(
  run: RunFolder,
  vae: VAE,
  record: RunRecord,
  history: EpochLogs[],
  showcase: Showcase,
  extras: ReportPicture[],
  warnings: readonly string[],
): Promise<void> {
  const s = record.settings;
  const big = s.dataset === 'folder' && s.imageSize > 32;
  const skip: ReportSection[] = big ? ['manifold', 'walk', 'traversal'] : [];
  const count = Math.min(showcase.x.shape[0] as number, 500);
  const x = tf.slice(showcase.x, 0, count);
  const labels = showcase.labels ? tf.slice(showcase.labels, 0, count) : undefined;
  try {
    await writeTrainingReport(
      run.path('report.html'),
      {
        title: s.title,
        description: runDescription(s, record.baseline),
        ...(warnings.length > 0 ? { warnings } : {}),
        config: {
          // Unset settings (null) say nothing to a reader of the report; title and description head it already.
          ...Object.fromEntries(
            Object.entries(s).filter(([key, value]) => value !== null && key !== 'title' && key !== 'description'),
          ),
          backend: record.backend.name,
          wasmTrainingKernels: record.backend.wasmTrainingKernels,
          params: record.params,
        },
        metrics: record.metrics ?? {},
        history: asHistory(history),
        vae,
        data: labels ? { x, labels } : { x },
        labelFormat: 'index',
        ...(s.dataset === 'mnist' ? { classNames: MNIST_CLASS_NAMES } : {}),
        pictures: extras,
        date: record.updated,
      },
      { skip, seed: s.seed },
    );
  } finally {
    tf.dispose([x, ...(labels ? [labels] : [])]);
  }
}

/** PNG bytes of an input/decoded grid, for the progress pictures. */
export function progressImage(vae: VAE, x: tf.Tensor, labels: tf.Tensor | undefined): RgbaImage {
  const xHat = vae.reconstruct(x, labels ? { labels } : {});
  try {
    return reconstructionGrid(x, xHat, { columns: 8, scale: 2 });
  } finally {
    xHat.dispose();
  }
}
