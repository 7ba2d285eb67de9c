import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { isTensor } from '../image/image-batch.js';
import { classColor } from './class-colors.js';
import { pcaProject } from './pca.js';
import { axes, coord, escapeXml, formatNumber, niceTicks, svgOpen } from './svg.js';

/**
 * Options of {@link latentScatter}.
 *
 * @category Visualization
 */
export interface LatentScatterOptions {
  /**
   * Width of the SVG in pixels.
   * @defaultValue `640`
   */
  width?: number;
  /**
   * Height of the SVG in pixels.
   * @defaultValue `480`
   */
  height?: number;
  /**
   * Title above the plot.
   * @defaultValue `'Latent space'`
   */
  title?: string;
  /**
   * Names of the classes for the legend, indexed by label.
   * @defaultValue the label numbers
   */
  classNames?: readonly string[] | undefined;
  /**
   * Radius of each point in pixels.
   * @defaultValue `2.5`
   */
  pointRadius?: number;
  /**
   * The two latent dimensions to plot when the latent has more than two and `project` is `'dims'`.
   * @defaultValue `[0, 1]`
   */
  dims?: readonly [number, number];
  /**
   * How latents of more than two dimensions are brought to the plane: `'pca'` (the two principal
   * components) or `'dims'` (the two `dims` as they are).
   * @defaultValue `'pca'`
   */
  project?: 'pca' | 'dims';
}

/** Reads a matrix from a tensor or nested arrays. */
function readMatrix(means: tf.Tensor | ReadonlyArray<ArrayLike<number>>): number[][] {
  if (isTensor(means)) {
    if (means.shape.length !== 2) {
      throw new ShapeError(
        `latentScatter: means must be [n, latentDim], got [${means.shape.join(', ')}]. Pass the mean returned by vae.encode(x).`,
        { argument: 'means', expected: [null, null], got: means.shape },
      );
    }
    const [n, k] = means.shape as [number, number];
    const flat = means.dataSync();
    return Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
  }
  return Array.from(means, (row) => Array.from(row));
}

/** Reads integer labels from a tensor (`[n]` indices or `[n, classes]` one-hot) or an array. */
export function readLabels(labels: tf.Tensor | ArrayLike<number>, n: number, where: string): number[] {
  let values: number[];
  if (isTensor(labels)) {
    if (labels.shape.length === 2) {
      const [rows, classes] = labels.shape as [number, number];
      const flat = labels.dataSync();
      values = Array.from({ length: rows }, (_, i) => {
        let best = 0;
        for (let c = 1; c < classes; c++) if (flat[i * classes + c]! > flat[i * classes + best]!) best = c;
        return best;
      });
    } else values = Array.from(labels.dataSync());
  } else values = Array.from(labels);
  if (values.length !== n || !values.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ShapeError(
      `${where}: labels must be ${n} non-negative integers (or one-hot rows), got ${values.length} values${values.every(Number.isInteger) ? '' : ' that are not all integers'}.`,
      { argument: 'labels', expected: [n], got: [values.length] },
    );
  }
  return values;
}

/**
 * Plots latent codes as an SVG scatter, coloured by label with a legend.
 *
 * Two-dimensional latents are plotted as they are (`z[0]` across, `z[1]` up); larger ones are
 * projected on their two principal components first (axis labels give each component's share of
 * the variance), or on two chosen `dims`; one-dimensional latents are plotted against the
 * example index. Every point is a `<circle>` in `<g class="points">`, each class a
 * `<g class="legend-entry">`.
 *
 * @param means - Posterior means `[n, latentDim]` (tensor or arrays); not disposed.
 * @param labels - Optional class per point: `[n]` integers or `[n, classes]` one-hot; not disposed.
 * @param options - Size, title, class names, projection.
 * @returns The SVG document as a string.
 * @throws `ShapeError` (from `@vae/core`) when `means` is not a matrix or labels do not match it.
 * @throws `ConfigError` (from `@vae/core`) when `dims` are out of range.
 * @example
 * ```ts
 * import { latentScatter } from '@vae/viz';
 *
 * const svg = latentScatter([[0, 0], [1, 2], [-1, 0.5]], [0, 1, 1], { classNames: ['zero', 'one'] });
 * ```
 * @category Visualization
 */
export function latentScatter(
  means: tf.Tensor | ReadonlyArray<ArrayLike<number>>,
  labels?: tf.Tensor | ArrayLike<number>,
  options: LatentScatterOptions = {},
): string {
  const where = 'latentScatter';
  const { width = 640, height = 480, title = 'Latent space', classNames, pointRadius = 2.5, project = 'pca' } = options;
  const matrix = readMatrix(means);
  const n = matrix.length;
  const k = n > 0 ? matrix[0]!.length : 0;
  if (n === 0 || k === 0 || matrix.some((r) => r.length !== k)) {
    throw new ShapeError(`${where}: means must hold at least one code of one length, got ${n} rows.`, {
      argument: 'means',
      expected: [null, null],
      got: [n, k],
    });
  }
  const classes = labels === undefined ? undefined : readLabels(labels, n, where);
  let xy: number[][];
  let xLabel: string;
  let yLabel: string;
  if (k === 1) {
    xy = matrix.map((r, i) => [r[0]!, i]);
    xLabel = 'z[0]';
    yLabel = 'example';
  } else if (k === 2 || project === 'dims' || n < 3) {
    const [dx, dy] = options.dims ?? [0, 1];
    if (![dx, dy].every((d) => Number.isInteger(d) && d >= 0 && d < k) || dx === dy) {
      throw new ConfigError(
        `${where}: dims must be two different dimensions in [0, ${k - 1}], got ${JSON.stringify(options.dims)}.`,
        {
          field: 'options.dims',
          expected: `two integers in [0, ${k - 1}]`,
          got: options.dims,
        },
      );
    }
    xy = matrix.map((r) => [r[dx]!, r[dy]!]);
    xLabel = `z[${dx}]`;
    yLabel = `z[${dy}]`;
  } else {
    const pca = pcaProject(matrix, 2);
    xy = pca.points;
    const pct = pca.explainedVarianceRatio.map((r) => `${formatNumber(Math.round(r * 1000) / 10)}%`);
    xLabel = `PC1 (${pct[0]} of variance, ${k}-D latent)`;
    yLabel = `PC2 (${pct[1]} of variance)`;
  }
  const finite = xy.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const xs = niceTicks(Math.min(...finite.map((p) => p[0]!)), Math.max(...finite.map((p) => p[0]!)));
  const ys = niceTicks(Math.min(...finite.map((p) => p[1]!)), Math.max(...finite.map((p) => p[1]!)));
  const present = classes === undefined ? [] : [...new Set(classes)].sort((a, b) => a - b);
  const legendWidth = present.length > 0 ? 120 : 0;
  const area = { left: 70, top: 40, width: width - 70 - 20 - legendWidth, height: height - 40 - 55 };
  const { markup, sx, sy } = axes(area, { ...xs, label: xLabel }, { ...ys, label: yLabel });
  const color = (i: number) => classColor(classes === undefined ? 0 : classes[i]!);
  const points = xy
    .map((p, i) =>
      Number.isFinite(p[0]) && Number.isFinite(p[1])
        ? `<circle cx="${coord(sx(p[0]!))}" cy="${coord(sy(p[1]!))}" r="${pointRadius}" fill="${color(i)}" fill-opacity="0.75"${classes === undefined ? '' : ` data-label="${classes[i]}"`}/>`
        : '',
    )
    .join('');
  const legend = present
    .map((label, row) => {
      const name = classNames?.[label] ?? String(label);
      const y = area.top + 10 + row * 18;
      const x = area.left + area.width + 20;
      return `<g class="legend-entry" data-label="${label}"><circle cx="${x}" cy="${y}" r="5" fill="${classColor(label)}"/><text x="${x + 12}" y="${y + 4}">${escapeXml(name)}</text></g>`;
    })
    .join('');
  return (
    svgOpen(width, height, 'latent-scatter', title) +
    `<text class="plot-title" x="${coord(area.left + area.width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>` +
    markup +
    `<g class="points">${points}</g>` +
    (legend ? `<g class="legend">${legend}</g>` : '') +
    '</svg>'
  );
}
