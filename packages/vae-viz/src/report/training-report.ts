import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { toDataUri } from '../encode/data-uri.js';
import { encodeGif } from '../encode/gif.js';
import { encodePng } from '../encode/png.js';
import { type ImageShape, isTensor } from '../image/image-batch.js';
import { imageGrid } from '../image/image-grid.js';
import { reconstructionGrid } from '../image/reconstruction-grid.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { decodeCodes } from '../latent/decode-codes.js';
import { interpolationStrip } from '../latent/interpolation-strip.js';
import { latentManifold } from '../latent/latent-manifold.js';
import { latentTraversal } from '../latent/latent-traversal.js';
import { latentWalkFrames } from '../latent/latent-walk.js';
import { normalSource } from '../latent/random.js';
import { classCount, encodeMean, type LabelFormat } from '../model/conditioning.js';
import type { HistoryLike, VAELike } from '../model/vae-like.js';
import { latentScatter, readLabels } from '../plots/latent-scatter.js';
import { historyEpochs, lossCurves } from '../plots/loss-curves.js';
import { escapeHtml, keyValueTable, REPORT_CSS, table } from './html.js';

/**
 * A picture made elsewhere, to include in a report as it is. Give exactly one of `png`, `gif`,
 * `svg` or `image`.
 *
 * @category Visualization
 */
export interface ReportPicture {
  /** Heading of the picture. */
  title: string;
  /** A sentence under the picture. */
  caption?: string;
  /** PNG bytes. */
  png?: Uint8Array;
  /** GIF bytes (animated GIFs play in the page). */
  gif?: Uint8Array;
  /** An SVG document. */
  svg?: string;
  /** Pixels, encoded as PNG in the report. */
  image?: RgbaImage;
}

/**
 * Examples a report encodes for reconstructions, interpolations, traversals and the scatter.
 *
 * @category Visualization
 */
export interface ReportData {
  /** Examples `[n, ...dataShape]`, e.g. a slice of the test set. Not disposed. */
  x: tf.Tensor;
  /** Classes of the examples: `[n]` integers or `[n, classes]` one-hot (needed for a conditional model). Not disposed. */
  labels?: tf.Tensor | ArrayLike<number> | undefined;
  /**
   * Where the examples come from, as a plural noun (`'test digits'`, `'training images'`,
   * `'held-out images'`): the captions of the pictures made from them name it, so a reader knows
   * whether the model saw them in training. Captions say "examples" when absent.
   */
  source?: string;
}

/**
 * The model's architecture for the report's "Model" section.
 *
 * @category Visualization
 */
export interface ReportModel {
  /** The layer-by-layer summary (`vae.summary({ printFn: null })` from `@vae/core`), shown preformatted. */
  summary?: string;
  /** Parameter counts by part (`{ encoder, decoder, likelihood, total }`), shown as a table. */
  parameters?: Readonly<Record<string, number>>;
}

/**
 * Everything a training run produced, for {@link trainingReport}. Every field is optional: the
 * report shows what it is given, and computes from `vae` (and `data`) every picture that applies.
 *
 * @category Visualization
 */
export interface TrainingRun {
  /** Heading of the report. */
  title?: string;
  /** A paragraph under the heading (plain text). */
  description?: string;
  /**
   * What a reader should know before looking at the pictures (plain text, one item each), shown
   * first, e.g. that the run was too short to learn and which setting to raise.
   */
  warnings?: readonly string[];
  /** The model and training configuration, shown as a table (nested values as JSON). */
  config?: Readonly<Record<string, unknown>>;
  /**
   * The model's summary and parameter counts, shown as a "Model" section. When absent and `vae`
   * has `summary` and `countParams` methods (as `@vae/core`'s `VAE` does), they are read from it.
   */
  model?: ReportModel;
  /** Final metrics (test NLL, last loss, training time...), shown as a table. */
  metrics?: Readonly<Record<string, number | string>>;
  /** Per-epoch logs: drawn as loss curves and listed in a table. */
  history?: HistoryLike;
  /** The trained model: samples, manifold, walks and (with `data`) reconstructions, interpolations, traversals and the latent scatter are computed from it. */
  vae?: VAELike;
  /** Examples to encode (the test set or a sample of it): `x` `[n, ...dataShape]`, optional `labels` (`[n]` classes or `[n, classes]` one-hot). Not disposed. */
  data?: ReportData;
  /** Shape of one image when the decoder returns flat vectors (`[28, 28]` for `[n, 784]`). */
  imageShape?: ImageShape;
  /** How the conditional model takes labels. Defaults to `'one-hot'`. */
  labelFormat?: LabelFormat;
  /** Class names for legends and captions, indexed by label. */
  classNames?: readonly string[] | undefined;
  /** Extra pictures, shown after the computed ones. */
  pictures?: readonly ReportPicture[];
  /** When the run happened; shown under the title. */
  date?: Date | string;
}

/**
 * Options of {@link trainingReport}.
 *
 * @category Visualization
 */
export interface TrainingReportOptions {
  /**
   * Sections to leave out, by name: `'model'`, `'samples'`, `'reconstructions'`, `'manifold'`,
   * `'interpolation'`, `'traversal'`, `'walk'`, `'scatter'`, `'curves'`, `'epochs'`.
   * @defaultValue `[]`
   */
  skip?: readonly ReportSection[];
  /**
   * Seed of the prior samples and walks.
   * @defaultValue `0`
   */
  seed?: number;
  /**
   * Most examples encoded for the latent scatter.
   * @defaultValue `2000`
   */
  maxScatterPoints?: number;
  /**
   * Grid points per axis of the latent manifold.
   * @defaultValue `20`
   */
  manifoldSteps?: number;
  /**
   * Frames of each latent-walk GIF.
   * @defaultValue `36`
   */
  walkFrames?: number;
  /**
   * How large pictures of small images are shown, as a multiple of their pixels (the PNGs stay at
   * their own size; the page enlarges them without blurring).
   * @defaultValue chosen so that one image is at least 56 pixels tall, at most 4
   */
  displayScale?: number;
}

/**
 * Section names of a {@link trainingReport}.
 *
 * @category Visualization
 */
export type ReportSection =
  | 'model'
  | 'samples'
  | 'reconstructions'
  | 'manifold'
  | 'interpolation'
  | 'traversal'
  | 'walk'
  | 'scatter'
  | 'curves'
  | 'epochs';

interface Figure {
  section: ReportSection | 'extra';
  title: string;
  caption: string;
  html: string;
}

function imageHtml(
  mime: 'image/png' | 'image/gif',
  bytes: Uint8Array,
  width: number,
  height: number,
  scale: number,
  alt: string,
): string {
  return `<img class="picture" src="${toDataUri(bytes, mime)}" width="${width * scale}" height="${height * scale}" alt="${escapeHtml(alt)}">`;
}

function pngFigure(
  section: Figure['section'],
  title: string,
  caption: string,
  image: RgbaImage,
  scale: number,
): Figure {
  return {
    section,
    title,
    caption,
    html: imageHtml('image/png', encodePng(image), image.width, image.height, scale, title),
  };
}

function gifSize(bytes: Uint8Array): [number, number] {
  return [bytes[6]! | (bytes[7]! << 8), bytes[8]! | (bytes[9]! << 8)];
}

function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** Labels as integer classes (for captions and the scatter) and in the model's format. */
function labelTensor(classes: readonly number[], format: LabelFormat, numClasses: number): tf.Tensor {
  return tf.tidy(() => {
    const index = tf.tensor1d(classes as number[], 'int32');
    return format === 'index' ? index : tf.cast(tf.oneHot(index, numClasses), 'float32');
  });
}

/**
 * Builds one self-contained HTML page for a training run: the configuration, the metrics table,
 * the loss curves, a per-epoch table, and every picture that applies to the model, with all
 * pictures embedded as `data:` URIs (no external files, no scripts; opens offline in any browser).
 *
 * With a `vae` whose decoder returns images the report shows samples from the prior (one row per
 * class for a conditional model), the latent manifold (the two latent dimensions of largest
 * spread in `data`, the rest at 0, when the latent has more than two), and an animated latent
 * walk (one per class for a conditional model). With `data` it adds reconstructions,
 * interpolations between pairs of examples, a traversal of each latent dimension from the first
 * example, and a scatter of the posterior means coloured by label. A model that does not decode
 * images (for example tabular data) gets the scatter and the curves only. All tensors made here
 * are disposed. Write it to a file with `writeTrainingReport` from `@vae/viz/node`.
 *
 * @param run - What the run produced; every field is optional.
 * @param options - Sections to skip, seed, sizes.
 * @returns The HTML document as a string.
 * @throws `ShapeError` (from `@vae/core`) when `data` does not fit the model.
 * @throws `ConfigError` (from `@vae/core`) when an option is out of range.
 * @example
 * ```ts
 * import { trainingReport } from '@vae/viz';
 *
 * const html = trainingReport({
 *   title: 'MNIST, latent 2',
 *   config: { latentDim: 2, epochs: 2 },
 *   metrics: { 'test NLL (nats)': 141.2 },
 *   history: [{ loss: 190, valLoss: 170 }, { loss: 160, valLoss: 158 }],
 * });
 * ```
 * @category Visualization
 */
export function trainingReport(run: TrainingRun, options: TrainingReportOptions = {}): string {
  const where = 'trainingReport';
  const skip = new Set(options.skip ?? []);
  const seed = options.seed ?? 0;
  const maxScatter = options.maxScatterPoints ?? 2000;
  if (!(Number.isInteger(maxScatter) && maxScatter > 0)) {
    throw new ConfigError(`${where}: maxScatterPoints must be a positive integer, got ${String(maxScatter)}.`, {
      field: 'options.maxScatterPoints',
      expected: 'a positive integer',
      got: maxScatter,
    });
  }
  const figures: Figure[] = [];
  const notes: string[] = [];
  const { vae, data, imageShape, classNames } = run;
  const labelFormat = run.labelFormat ?? 'one-hot';
  const numClasses = vae === undefined ? 0 : classCount(vae);
  const className = (label: number) => classNames?.[label] ?? String(label);
  const source = data?.source;
  /** `16 examples`, or `16 examples (training images)` when the data says where they come from. */
  const ofData = (n: number) => `${examples(n)}${source ? ` (${source})` : ''}`;

  const owned: tf.Tensor[] = [];
  try {
    let x: tf.Tensor | undefined;
    let classes: number[] | undefined;
    let modelLabels: tf.Tensor | undefined;
    if (data !== undefined) {
      if (!isTensor(data.x) || data.x.shape.length < 2 || data.x.shape[0] === 0) {
        throw new ShapeError(
          `${where}: data.x must be a non-empty batch [n, ...dataShape], got ${isTensor(data.x) ? `[${data.x.shape.join(', ')}]` : typeof data.x}.`,
          {
            argument: 'data.x',
            expected: [null, null],
            got: isTensor(data.x) ? data.x.shape : [],
          },
        );
      }
      x = data.x;
      const n = x.shape[0]!;
      if (data.labels !== undefined) classes = readLabels(data.labels, n, where);
      if (numClasses > 0) {
        if (classes === undefined) {
          throw new ShapeError(
            `${where}: the model is conditional (numClasses ${numClasses}), so data.labels is needed to encode data.x.`,
            {
              argument: 'data.labels',
              expected: [n],
              got: [],
            },
          );
        }
        modelLabels = labelTensor(classes, labelFormat, numClasses);
        owned.push(modelLabels);
      }
    }
    const take = (count: number) => {
      const k = Math.min(count, x!.shape[0]!);
      const xs = tf.slice(x!, 0, k);
      owned.push(xs);
      let ls: tf.Tensor | undefined;
      if (modelLabels !== undefined) {
        ls = tf.slice(modelLabels, 0, k);
        owned.push(ls);
      }
      return { xs, ls, k };
    };

    // Encode a sample of the data once: the scatter, the manifold's dims and the traversal use it.
    let means: number[][] | undefined;
    if (vae !== undefined && x !== undefined) {
      const k = Math.min(maxScatter, x.shape[0]!);
      means = [];
      for (let start = 0; start < k; start += 256) {
        const size = Math.min(256, k - start);
        const batch = tf.slice(x, start, size);
        const labels = modelLabels === undefined ? undefined : tf.slice(modelLabels, start, size);
        try {
          const mean = encodeMean(where, vae, batch, labels === undefined ? {} : { labels });
          const flat = mean.dataSync();
          const d = vae.latentDim;
          for (let i = 0; i < size; i++) means.push(Array.from(flat.subarray(i * d, (i + 1) * d)));
          mean.dispose();
        } finally {
          tf.dispose([batch, ...(labels ? [labels] : [])]);
        }
      }
    }

    // Does the decoder produce images? Decode one prior sample and look.
    let images = false;
    let cellHeight = 28;
    if (vae !== undefined) {
      try {
        const probe = decodeCodes(where, vae, [new Array<number>(vae.latentDim).fill(0)], { imageShape, labelFormat });
        images = true;
        cellHeight = probe.height;
      } catch (error) {
        if (!ShapeError.isInstance(error)) throw error;
        notes.push(`Image pictures skipped: the decoder's output is not a batch of images (${error.message})`);
      }
    }
    const scale = options.displayScale ?? Math.max(1, Math.min(4, Math.ceil(56 / cellHeight)));
    const decodeOptions = { imageShape, labelFormat };

    if (vae !== undefined && images) {
      const normal = normalSource(seed);
      if (!skip.has('samples')) {
        if (numClasses > 0) {
          const perClass = 10;
          const codes = Array.from({ length: perClass }, () => Array.from({ length: vae.latentDim }, () => normal()));
          const rows = Array.from({ length: numClasses }, (_, label) =>
            decodeCodes(where, vae, codes, { ...decodeOptions, label }),
          );
          const data32 = new Float32Array(rows.reduce((s, r) => s + r.data.length, 0));
          let offset = 0;
          for (const r of rows) {
            data32.set(r.data as Float32Array, offset);
            offset += r.data.length;
          }
          const grid = imageGrid({ ...rows[0]!, count: numClasses * perClass, data: data32 }, { columns: perClass });
          figures.push(
            pngFigure(
              'samples',
              'Samples by class',
              `One row per class (${Array.from({ length: numClasses }, (_, i) => className(i)).join(', ')}); each column shares one latent code z ~ N(0, I), so style stays across a column.`,
              grid,
              scale,
            ),
          );
        } else {
          const codes = Array.from({ length: 64 }, () => Array.from({ length: vae.latentDim }, () => normal()));
          const grid = imageGrid(decodeCodes(where, vae, codes, decodeOptions), { columns: 8 });
          figures.push(
            pngFigure(
              'samples',
              'Samples from the prior',
              '64 decodings of z ~ N(0, I) (the likelihood mean of each).',
              grid,
              scale,
            ),
          );
        }
      }
      if (!skip.has('reconstructions') && x !== undefined) {
        const { xs, ls, k } = take(16);
        const mean = encodeMean(where, vae, xs, ls === undefined ? {} : { labels: ls });
        owned.push(mean);
        const xHat = vae.decode(mean, ls === undefined ? undefined : { labels: ls });
        owned.push(xHat);
        const grid = reconstructionGrid(xs, xHat, { columns: Math.min(8, k), imageShape });
        figures.push(
          pngFigure(
            'reconstructions',
            'Reconstructions',
            `Originals (odd rows) above their reconstructions from the posterior mean (even rows), ${ofData(k)}.`,
            grid,
            scale,
          ),
        );
      }
      if (!skip.has('manifold') && vae.latentDim >= 2) {
        let dims: [number, number] = [0, 1];
        if (vae.latentDim > 2 && means !== undefined && means.length > 1) {
          const spread = Array.from({ length: vae.latentDim }, (_, j) => {
            const m = means!.reduce((s, r) => s + r[j]!, 0) / means!.length;
            return means!.reduce((s, r) => s + (r[j]! - m) ** 2, 0);
          });
          const order = spread.map((_, j) => j).sort((a, b) => spread[b]! - spread[a]!);
          dims = [Math.min(order[0]!, order[1]!), Math.max(order[0]!, order[1]!)];
        }
        const steps = options.manifoldSteps ?? 20;
        const grid = latentManifold(vae, { ...decodeOptions, steps, dims, label: 0 });
        const manifoldScale = options.displayScale ?? Math.max(1, Math.min(4, Math.floor(560 / grid.height)));
        const which =
          vae.latentDim === 2
            ? 'the 2-D latent space'
            : `latent dimensions z[${dims[0]}] (across) and z[${dims[1]}] (up), the others at 0`;
        figures.push(
          pngFigure(
            'manifold',
            'Latent manifold',
            `Decodings of a ${steps} x ${steps} grid over ${which}, at evenly spaced quantiles 0.05 to 0.95 of the N(0, 1) prior${numClasses > 0 ? `, class ${className(0)}` : ''}.`,
            grid,
            manifoldScale,
          ),
        );
      }
      if (!skip.has('interpolation') && x !== undefined && x.shape[0]! >= 2) {
        const pairs = Math.min(3, Math.floor(x.shape[0]! / 2));
        const { xs, ls } = take(2 * pairs);
        const even = tf.range(0, 2 * pairs, 2, 'int32');
        const odd = tf.range(1, 2 * pairs, 2, 'int32');
        owned.push(even, odd);
        const a = tf.gather(xs, even);
        const b = tf.gather(xs, odd);
        owned.push(a, b);
        const la = ls === undefined ? undefined : tf.gather(ls, even);
        const lb = ls === undefined ? undefined : tf.gather(ls, odd);
        if (la && lb) owned.push(la, lb);
        // Each end is encoded with its own label; the strip is decoded with the first end's label.
        const za = encodeMean(where, vae, a, la ? { labels: la } : {});
        owned.push(za);
        const zb = encodeMean(where, vae, b, lb ? { labels: lb } : {});
        owned.push(zb);
        const strip = interpolationStrip(vae, za, zb, {
          ...decodeOptions,
          from: 'latent',
          steps: 10,
          method: 'spherical',
          ...(la ? { labels: la } : {}),
        });
        figures.push(
          pngFigure(
            'interpolation',
            'Interpolations',
            `Decodings along the great circle (slerp) between the posterior means of pairs of examples${source ? ` (${source})` : ''}; the ends are their reconstructions.`,
            strip,
            scale,
          ),
        );
      }
      if (!skip.has('traversal') && means !== undefined && means.length > 0) {
        const { ls } = take(1);
        const dims = Math.min(vae.latentDim, 10);
        const grid = latentTraversal(vae, means[0]!, {
          ...decodeOptions,
          range: 3,
          steps: 9,
          dim: Array.from({ length: dims }, (_, i) => i),
          ...(ls ? { labels: repeat(ls, 9 * dims, owned) } : {}),
        });
        figures.push(
          pngFigure(
            'traversal',
            'Latent traversals',
            `Starting from the posterior mean of the first example${source ? ` (${source})` : ''}, row i sets z[i] to values from -3 to 3 (${dims} of ${vae.latentDim} dimensions).`,
            grid,
            scale,
          ),
        );
      }
      if (!skip.has('walk')) {
        const walk = { frames: options.walkFrames ?? 36, walkers: 16, columns: 4, seed, ...decodeOptions };
        const labels = numClasses > 0 ? Array.from({ length: numClasses }, (_, i) => i) : [undefined];
        const gifs = labels.map((label) => {
          const frames = latentWalkFrames(vae, { ...walk, ...(label === undefined ? {} : { label }) });
          const bytes = encodeGif(frames, { delayMs: 80 });
          const [w, h] = gifSize(bytes);
          return `<figure>${imageHtml('image/gif', bytes, w, h, scale, label === undefined ? 'Latent walk' : `Latent walk, class ${className(label)}`)}${label === undefined ? '' : `<figcaption>${escapeHtml(className(label))}</figcaption>`}</figure>`;
        });
        figures.push({
          section: 'walk',
          title: numClasses > 0 ? 'Latent walks by class' : 'Latent walk',
          caption: `Each of 16 walkers loops through 4 samples of the prior along great circles${numClasses > 0 ? '; the same paths for every class' : ''}.`,
          html: `<div class="gallery">${gifs.join('')}</div>`,
        });
      }
    }
    if (!skip.has('scatter') && means !== undefined && means.length > 0) {
      const svg = latentScatter(means, classes?.slice(0, means.length), classNames ? { classNames } : {});
      figures.push({
        section: 'scatter',
        title: 'Latent space',
        caption: `Posterior means of ${ofData(means.length)}${classes ? ', coloured by label' : ''}${vae!.latentDim > 2 ? ', projected on their two principal components' : ''}.`,
        html: `<div class="svg-figure">${svg}</div>`,
      });
    }
  } finally {
    tf.dispose(owned);
  }

  const epochs = run.history === undefined ? [] : historyEpochs(run.history);
  if (!skip.has('curves') && run.history !== undefined) {
    figures.unshift({
      section: 'curves',
      title: 'Training curves',
      caption: 'Training (solid) and validation (dashed) per epoch, in nats per example.',
      // The section is headed already: the plot's own title names its panels instead.
      html: `<div class="svg-figure">${lossCurves(run.history, { title: 'Loss (negative ELBO), reconstruction and KL per epoch' })}</div>`,
    });
  }
  for (const picture of run.pictures ?? []) figures.push(extraFigure(where, picture));

  const sections: string[] = [];
  if (run.warnings !== undefined && run.warnings.length > 0)
    sections.push(
      `<section class="warnings" role="note"><h2>Before you look at the pictures</h2><ul>${run.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`,
    );
  if (run.config !== undefined)
    sections.push(
      `<section class="config"><h2>Configuration</h2>${keyValueTable('config', Object.entries(run.config))}</section>`,
    );
  const model = skip.has('model') ? undefined : (run.model ?? modelOf(run.vae));
  if (model !== undefined && (model.summary !== undefined || model.parameters !== undefined))
    sections.push(
      `<section class="model"><h2>Model</h2>${
        model.parameters === undefined
          ? ''
          : keyValueTable(
              'parameters',
              Object.entries(model.parameters).map(([part, n]) => [part, n.toLocaleString('en-US')]),
            )
      }${model.summary === undefined ? '' : `<pre class="summary">${escapeHtml(model.summary.trimEnd())}</pre>`}</section>`,
    );
  if (run.metrics !== undefined)
    sections.push(
      `<section class="metrics"><h2>Metrics</h2>${keyValueTable('metrics', Object.entries(run.metrics))}</section>`,
    );
  for (const figure of figures) {
    sections.push(
      `<section class="figure" data-section="${figure.section}"><h2>${escapeHtml(figure.title)}</h2><figure>${figure.html}<figcaption>${escapeHtml(figure.caption)}</figcaption></figure></section>`,
    );
  }
  if (!skip.has('epochs') && epochs.length > 0) {
    const keys = [...new Set(epochs.flatMap((e) => Object.keys(e)).filter((k) => k !== 'epoch'))];
    const rows = epochs.map((e, i) => [e.epoch ?? i + 1, ...keys.map((k) => e[k])]);
    sections.push(
      `<section class="epochs-section"><h2>Per-epoch logs</h2>${table('epochs', ['epoch', ...keys], rows)}</section>`,
    );
  }
  if (notes.length > 0)
    sections.push(
      `<section class="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`,
    );
  const title = run.title ?? 'VAE training report';
  const date = run.date === undefined ? '' : typeof run.date === 'string' ? run.date : run.date.toISOString();
  const subtitle = [run.description, date]
    .filter((s) => s !== undefined && s !== '')
    .map((s) => escapeHtml(s!))
    .join(' · ');
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head><body>` +
    `<header><h1>${escapeHtml(title)}</h1>${subtitle ? `<p>${subtitle}</p>` : ''}</header><main>${sections.join('')}</main>` +
    '<footer>Made with @vae/viz.</footer></body></html>\n'
  );
}

/** The summary and parameter counts of a model that can give them (core's `VAE`); `undefined` otherwise. */
function modelOf(vae: VAELike | undefined): ReportModel | undefined {
  const m = vae as
    | (VAELike & {
        summary?: (options: { printFn: null }) => unknown;
        countParams?: () => unknown;
      })
    | undefined;
  if (m === undefined || typeof m.summary !== 'function' || typeof m.countParams !== 'function') return undefined;
  const summary = m.summary({ printFn: null });
  const counts = m.countParams();
  const parameters =
    typeof counts === 'object' && counts !== null
      ? Object.fromEntries(Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === 'number'))
      : typeof counts === 'number'
        ? { total: counts }
        : undefined;
  return {
    ...(typeof summary === 'string' ? { summary } : {}),
    ...(parameters === undefined ? {} : { parameters }),
  };
}

/** `1 example`, `16 examples`. */
function examples(n: number): string {
  return `${n} example${n === 1 ? '' : 's'}`;
}

/** Repeats one row of labels `count` times (tracked for disposal). */
function repeat(labels: tf.Tensor, count: number, owned: tf.Tensor[]): tf.Tensor {
  const out = tf.tidy(() => tf.tile(labels, [count, ...labels.shape.slice(1).map(() => 1)]));
  owned.push(out);
  return out;
}

function extraFigure(where: string, picture: ReportPicture): Figure {
  const given = (['png', 'gif', 'svg', 'image'] as const).filter((k) => picture[k] !== undefined);
  if (given.length !== 1) {
    throw new ConfigError(
      `${where}: picture "${picture.title}" must give exactly one of png, gif, svg or image, got ${given.length === 0 ? 'none' : given.join(', ')}.`,
      {
        field: 'run.pictures',
        expected: 'one of png, gif, svg, image',
        got: given,
      },
    );
  }
  const caption = picture.caption ?? '';
  if (picture.svg !== undefined)
    return { section: 'extra', title: picture.title, caption, html: `<div class="svg-figure">${picture.svg}</div>` };
  if (picture.image !== undefined) return pngFigure('extra', picture.title, caption, picture.image, 1);
  const [mime, bytes] =
    picture.png !== undefined ? (['image/png', picture.png] as const) : (['image/gif', picture.gif!] as const);
  const [w, h] = mime === 'image/png' ? pngSize(bytes) : gifSize(bytes);
  return { section: 'extra', title: picture.title, caption, html: imageHtml(mime, bytes, w, h, 1, picture.title) };
}
