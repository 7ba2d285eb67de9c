import * as tf from '@tensorflow/tfjs-core';
import { type BatchSource, ConfigError } from '@vae/core';
import { type Dataset, loadMnist } from '@vae/datasets';
import { count, plural } from '../cli/words.js';
import type { TrainSettings } from './settings.js';

/** The data of a run: what it trains on, what validates it, and a few examples for pictures. */
export interface RunData {
  /** Training examples (limited by `--limit`). */
  train: Dataset;
  /** Validation examples, or `undefined` when the run has none. */
  validation: Dataset | undefined;
  /** Examples the pictures, the report and the final evaluation encode (test digits, or the first images of a folder). */
  showcase: Dataset;
  /** A one-line description for the console. */
  describe: string;
  /** Where the showcase examples come from, in the plural (`test digits`, `training images`, `held-out images`). */
  showcaseSource: string;
  /** What the validation examples are, in the plural (`test digits`, `held-out digits`). */
  validationNoun: string;
  /**
   * The first `n` showcase examples in words, with the set they come from, so that a count
   * printed later agrees with the `data:` line: `the first 200 of the 250 test digits that
   * validate`, `16 test digits`, `8 training images (the run holds none out)`.
   */
  showcaseWords(n: number): string;
}

/** Loads the data a run's settings name. */
export async function loadRunData(s: TrainSettings): Promise<RunData> {
  if (s.dataset === 'folder') return loadFolder(s);
  const { train: all, test } = await loadMnist();
  const train = s.limit === null ? all : all.take(s.limit);
  // A small run validates on proportionally few test digits, so a tiny budget stays tiny.
  const testCount = s.limit === null ? test.size : Math.min(test.size, Math.max(16, Math.ceil(s.limit / 4)));
  const showcase = test.take(Math.min(testCount, 500));
  if (s.validationSplit > 0) {
    const parts = train.split({ validation: s.validationSplit, seed: s.seed });
    return {
      train: parts.train,
      validation: parts.validation,
      showcase,
      describe: `MNIST (embedded): ${plural(parts.train.size, 'training digit')}, ${count(parts.validation.size)} held out for validation`,
      showcaseSource: 'test digits',
      validationNoun: 'held-out digits',
      // The test digits play no part in training here.
      showcaseWords: (n) => plural(n, 'test digit'),
    };
  }
  const validation = test.take(testCount);
  return {
    train,
    validation,
    showcase,
    describe: `MNIST (embedded): ${plural(train.size, 'training digit')}, ${plural(validation.size, 'test digit')} for validation`,
    showcaseSource: 'test digits',
    validationNoun: 'test digits',
    // The showcase is the first of the validating test digits.
    showcaseWords: (n) => `${subset(n, validation.size, 'test digit')} that validate`,
  };
}

/** `the 12 held-out images`, `the first 200 of the 250 test digits`: the first `n` of a set of `of`. */
function subset(n: number, of: number, noun: string): string {
  return n >= of ? `the ${plural(of, noun)}` : `the first ${count(n)} of the ${plural(of, noun)}`;
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
  const heldOut = parts !== undefined && parts.validation.size > 0 ? parts.validation : undefined;
  return {
    train,
    validation: parts?.validation,
    showcase: (heldOut ?? data).take(64),
    describe: `${dir}: ${plural(train.size, 'image')} at ${s.imageSize}x${s.imageSize} RGB${parts ? `, ${count(parts.validation.size)} held out` : ''}`,
    showcaseSource: heldOut ? 'held-out images' : 'training images',
    validationNoun: 'held-out images',
    showcaseWords: heldOut
      ? (n) => subset(n, heldOut.size, 'held-out image')
      : (n) => `${plural(n, 'training image')} (the run holds none out: --validation-split 0.1 would)`,
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

/**
 * Examples `x` (and their `labels`) in order, one slice per batch, calling `onBatch` with each
 * batch's size once the consumer has taken the batch after it (so once that batch is computed):
 * the same batches, in the same order, as evaluating the tensors themselves, with progress.
 */
export function batchesWithProgress(
  x: tf.Tensor,
  labels: tf.Tensor | undefined,
  onBatch: (size: number) => void,
): BatchSource {
  const n = x.shape[0] as number;
  return {
    size: n,
    *batches({ batchSize }) {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        yield labels
          ? { x: tf.slice(x, start, size), labels: tf.slice(labels, start, size) }
          : { x: tf.slice(x, start, size) };
        onBatch(size);
      }
    },
  };
}
