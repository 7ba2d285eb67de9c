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
import { type Baseline, changesFrom, runDescription } from './baseline.js';
import { presetText } from './presets.js';
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
  /** Where the examples come from, in the plural (`test digits`, `training images`), for captions. */
  source?: string;
}

/** Core's epoch logs as viz reads them (viz's type is an open record of numbers). */
function asHistory(epochs: EpochLogs[]): HistoryLike {
  return epochs.map((e) => ({ ...e }) as Record<string, number>);
}

function labelsOf(vae: VAE, showcase: Showcase, n: number): tf.Tensor | undefined {
  return vae.numClasses > 0 && showcase.labels ? tf.slice(showcase.labels, 0, n) : undefined;
}

/** Per-iteration losses as an SVG plot, its x axis labelled `iteration`. */
export function iterationLossSvg(losses: TrainingPictures['iterationLosses']): string {
  return lossCurves(
    losses.map((l) => ({ epoch: l.iteration, loss: l.loss, reconstruction: l.reconstruction, kl: l.kl })),
    {
      title: 'Loss (negative ELBO), reconstruction and KL by iteration',
      unit: 'nats per example',
      xLabel: 'iteration',
    },
  );
}

/**
 * Draws the input/decoded grid of the fixed examples at `iteration`, writes it to
 * `progress/iter-NNNNNN.png` and keeps it for `progress.gif` and the report. Called before the
 * first step too (iteration 0), so the animation starts from the untrained model.
 */
export async function recordProgress(
  run: RunFolder,
  vae: VAE,
  iteration: number,
  fixed: tf.Tensor,
  fixedLabels: tf.Tensor | undefined,
  during: TrainingPictures,
): Promise<void> {
  const file = `progress/iter-${String(iteration).padStart(6, '0')}.png`;
  const image = progressImage(vae, fixed, fixedLabels);
  await writePng(run.path(file), image);
  during.progress.push({ iteration, file, image });
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
  const source = showcase.source ?? 'examples';

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
      latentScatter(mean, showcase.labels, { classNames: MNIST_CLASS_NAMES, title: `Latent means of ${source}` }),
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
    const first = during.progress[0];
    extras.push({
      title: `Decoded ${source} through training`,
      caption: `Input (left) and decoded (right), ${plural(during.progress.length, 'frame')} from iteration ${first?.iteration ?? 0}${first?.iteration === 0 ? ' (before the first step)' : ''} to ${last?.iteration ?? 0}.`,
      gif,
    });
  }
  if (want.has('latent-gif') && during.latentFrames.length > 0) {
    const gif = encodeGif(during.latentFrames, { delayMs: 500 });
    await writeGif(run.path('latent-space.gif'), gif);
    files.push('latent-space.gif');
    extras.push({
      title: 'The latent space through training',
      caption: `Posterior means of ${source} before training and after each epoch, coloured by digit.`,
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
  const heading = reportHeading(s, record.baseline);
  const big = s.dataset === 'folder' && s.imageSize > 32;
  const skip: ReportSection[] = big ? ['manifold', 'walk', 'traversal'] : [];
  const count = Math.min(showcase.x.shape[0] as number, 500);
  const x = tf.slice(showcase.x, 0, count);
  const labels = showcase.labels ? tf.slice(showcase.labels, 0, count) : undefined;
  try {
    await writeTrainingReport(
      run.path('report.html'),
      {
        title: heading.title,
        description: heading.description,
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
        model: { summary: vae.summary({ printFn: null }), parameters: { ...vae.countParams() } },
        metrics: record.metrics ?? {},
        history: asHistory(history),
        vae,
        data: { x, ...(labels ? { labels } : {}), ...(showcase.source ? { source: showcase.source } : {}) },
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

/**
 * The report's title and the paragraph under it, written for the settings the run used: a
 * preset's own title and description follow the run's image size, budget, batch and the other
 * settings a flag changes (after a sentence naming what changed); a title or description that a
 * `--config` file or the command gives is kept, the changes named first as {@link runDescription} does.
 */
export function reportHeading(
  s: TrainSettings,
  baseline: Baseline | undefined,
): { title: string; description: string } {
  const text = presetText(s);
  if (text.description === s.description) return { title: text.title, description: runDescription(s, baseline) };
  const changes = baseline === undefined ? [] : changesFrom(baseline, s);
  return {
    title: text.title,
    description:
      baseline === undefined || changes.length === 0
        ? text.description
        : `This run changed ${baseline.name}: ${changes.join('; ')}. What ran: ${text.description}`,
  };
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
