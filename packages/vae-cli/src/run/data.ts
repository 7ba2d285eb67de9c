import { type BatchSource, ConfigError } from '@vae/core';
import { type Dataset, loadMnist } from '@vae/datasets';
import type { TrainSettings } from './settings.js';

/** The data of a run: what it trains on, what validates it, and a few examples for pictures. */
export interface RunData {
  /** Training examples (limited by `--limit`). */
  train: Dataset;
  /** Validation examples, or `undefined` when the run has none. */
  validation: Dataset | undefined;
  /** Examples the pictures and the report encode (test digits, or the first images of a folder). */
  showcase: Dataset;
  /** A one-line description for the console. */
  describe: string;
}

/** Loads the data a run's settings name. */
export async function loadRunData(s: TrainSettings): Promise<RunData> {
  if (s.dataset === 'folder') return loadFolder(s);
  const { train: all, test } = await loadMnist();
  const train = s.limit === null ? all : all.take(s.limit);
  // A small run validates on proportionally few test digits, so a tiny budget stays tiny.
  const testCount = s.limit === null ? test.size : Math.min(test.size, Math.max(16, Math.ceil(s.limit / 4)));
  if (s.validationSplit > 0) {
    const parts = train.split({ validation: s.validationSplit, seed: s.seed });
    return {
      train: parts.train,
      validation: parts.validation,
      showcase: test.take(Math.min(testCount, 500)),
      describe: `MNIST (embedded): ${parts.train.size} training digits, ${parts.validation.size} held out for validation`,
    };
  }
  const validation = test.take(testCount);
  return {
    train,
    validation,
    showcase: test.take(Math.min(testCount, 500)),
    describe: `MNIST (embedded): ${train.size} training digits, ${validation.size} test digits for validation`,
  };
}

async function loadFolder(s: TrainSettings): Promise<RunData> {
  const { loadImageFolder } = await import('@vae/datasets/node');
  const dir = s.data as string;
  const folder = await loadImageFolder(dir, {
    size: [s.imageSize, s.imageSize],
    channels: 3,
    labels: 'none',
    onError: 'skip',
    checkHeaders: true,
  });
  if (folder.size === 0) {
    throw new ConfigError(`--data ${dir}: no readable PNG, JPEG or WebP images found.`, {
      field: 'data',
      expected: 'a folder of images',
      got: dir,
    });
  }
  const data = s.limit === null ? folder : folder.take(s.limit);
  const parts = s.validationSplit > 0 ? data.split({ validation: s.validationSplit, seed: s.seed }) : undefined;
  const train = parts ? parts.train : data;
  return {
    train,
    validation: parts?.validation,
    showcase: (parts?.validation.size ? parts.validation : data).take(64),
    describe: `${dir}: ${train.size} images at ${s.imageSize}x${s.imageSize} RGB${parts ? `, ${parts.validation.size} held out` : ''}`,
  };
}

/**
 * The batches of a dataset without their labels (disposed at once), for unconditional models,
 * which refuse labels.
 */
export function withoutLabels(dataset: Dataset): BatchSource {
  return {
    size: dataset.size,
    async *batches(options) {
      for await (const batch of dataset.batches(options)) {
        batch.labels?.dispose();
        yield { x: batch.x };
      }
    },
  };
}
