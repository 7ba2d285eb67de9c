import { ConfigError, type EpochLogs } from '@vae/core';
import type { HistoryLike } from '../model/vae-like.js';
import { axes, coord, escapeXml, niceTicks, svgOpen } from './svg.js';

/**
 * Options of {@link lossCurves}.
 *
 * @category Visualization
 */
export interface LossCurvesOptions {
  /**
   * Width of the whole SVG in pixels (panels share it).
   * @defaultValue `960`
   */
  width?: number;
  /**
   * Height of the SVG in pixels.
   * @defaultValue `340`
   */
  height?: number;
  /**
   * Title above the panels.
   * @defaultValue `'Training curves'`
   */
  title?: string;
  /**
   * Label of the y axes.
   * @defaultValue `'nats per example'`
   */
  unit?: string;
  /**
   * What the records' `epoch` field counts, as the x axis and the point tooltips name it: a
   * history read back every few optimizer steps is plotted with `'iteration'` (or `'step'`).
   * @defaultValue `'epoch'`
   */
  xLabel?: string;
}

/** The three panels and the log keys each plots (train, validation). */
const PANELS = [
  { metric: 'loss', title: 'Loss (negative ELBO)', train: 'loss', validation: 'valLoss' },
  { metric: 'reconstruction', title: 'Reconstruction', train: 'reconstruction', validation: 'valReconstruction' },
  { metric: 'kl', title: 'KL divergence', train: 'kl', validation: 'valKl' },
] as const;

const SERIES_STYLE = {
  train: { color: '#1f77b4', dash: '' },
  validation: { color: '#ff7f0e', dash: ' stroke-dasharray="6 4"' },
} as const;

/** One record of a {@link HistoryLike}: any subset of core's epoch logs, and other numbers. */
type EpochRecord = Partial<EpochLogs> & Record<string, number | undefined>;

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads the per-epoch records out of any {@link HistoryLike}. */
export function historyEpochs(history: HistoryLike): ReadonlyArray<EpochRecord> {
  const object = (typeof history === 'object' && history !== null ? history : {}) as Record<string, unknown>;
  let epochs: unknown = Array.isArray(history) ? history : object['epochs'];
  if (Array.isArray(epochs) && epochs.every((e) => typeof e === 'number') && Array.isArray(object['logs'])) {
    const numbers = epochs as number[];
    epochs = (object['logs'] as EpochRecord[]).map((log, i) => ({ epoch: numbers[i], ...log }));
  } else if (!Array.isArray(history) && Array.isArray(object['epoch']) && typeof object['history'] === 'object') {
    const numbers = object['epoch'] as number[];
    const columns = Object.entries(object['history'] as Record<string, unknown>);
    const fromZero = numbers[0] === 0;
    epochs = numbers.map((epoch, i) => {
      const record: EpochRecord = { epoch: fromZero ? epoch + 1 : epoch };
      for (const [key, values] of columns) {
        const value = Array.isArray(values) ? values[i] : undefined;
        if (typeof value === 'number') record[camel(key)] = value;
      }
      return record;
    });
  }
  if (!Array.isArray(epochs) || !epochs.every((e) => typeof e === 'object' && e !== null)) {
    throw new ConfigError(
      'lossCurves: history must be an array of per-epoch logs or an object with an `epochs` array, e.g. [{ loss: 180.2, kl: 5.1 }].',
      { field: 'history', expected: 'an array of { loss, valLoss, reconstruction, kl, ... }', got: history },
    );
  }
  return epochs as ReadonlyArray<EpochRecord>;
}

/**
 * Draws training curves per epoch as one SVG: a panel each for the loss (negative ELBO), the
 * reconstruction term and the KL term, with training as solid blue lines and validation as
 * dashed orange lines, axes with ticks, axis labels and a legend per panel.
 *
 * Panels appear only for metrics the history holds (`loss`/`valLoss`,
 * `reconstruction`/`valReconstruction`, `kl`/`valKl`); non-finite values are skipped. Each line is
 * a `<polyline class="series ..." data-key="...">` with a `<circle class="marker">` per epoch.
 *
 * @param history - Per-epoch logs, or `{ epochs }` as returned by `vae.fit()`.
 * @param options - Size, title, unit, what the x axis counts.
 * @returns The SVG document as a string (a short "no epochs" picture when nothing is logged).
 * @throws `ConfigError` (from `@vae/core`) when `history` is neither an array nor `{ epochs: [...] }`.
 * @example
 * ```ts
 * import { lossCurves } from '@vae/viz';
 *
 * const svg = lossCurves([
 *   { loss: 190, valLoss: 170, reconstruction: 180, kl: 10 },
 *   { loss: 160, valLoss: 158, reconstruction: 148, kl: 12 },
 * ]);
 * ```
 * @category Visualization
 */
export function lossCurves(history: HistoryLike, options: LossCurvesOptions = {}): string {
  const { width = 960, height = 340, title = 'Training curves', unit = 'nats per example', xLabel = 'epoch' } = options;
  const epochs = historyEpochs(history);
  const epochOf = (e: EpochRecord, i: number) =>
    typeof e.epoch === 'number' && Number.isFinite(e.epoch) ? e.epoch : i + 1;
  const valuesOf = (key: string) =>
    epochs
      .map((e, i) => [epochOf(e, i), e[key]] as const)
      .filter((p): p is readonly [number, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
  const panels = PANELS.map((panel) => ({
    ...panel,
    series: [
      { kind: 'train' as const, key: panel.train, points: valuesOf(panel.train) },
      { kind: 'validation' as const, key: panel.validation, points: valuesOf(panel.validation) },
    ].filter((s) => s.points.length > 0),
  })).filter((p) => p.series.length > 0);
  let body: string;
  if (panels.length === 0) {
    body = `<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">No epochs logged yet.</text>`;
  } else {
    const panelWidth = width / panels.length;
    body = panels
      .map((panel, index) => {
        const all = panel.series.flatMap((s) => s.points);
        const ex = all.map((p) => p[0]);
        const ev = all.map((p) => p[1]);
        const lastEpoch = Math.max(...ex);
        const firstEpoch = Math.min(...ex);
        const xTicks = niceTicks(
          firstEpoch,
          Math.max(lastEpoch, firstEpoch + 1),
          Math.min(6, Math.max(1, lastEpoch - firstEpoch)),
        );
        const integerTicks = { ...xTicks, ticks: xTicks.ticks.filter((t) => Number.isInteger(t)) };
        const yTicks = niceTicks(Math.min(...ev), Math.max(...ev));
        const area = { left: index * panelWidth + 70, top: 84, width: panelWidth - 70 - 20, height: height - 84 - 55 };
        const { markup, sx, sy } = axes(area, { ...integerTicks, label: xLabel }, { ...yTicks, label: unit });
        const lines = panel.series
          .map((s) => {
            const style = SERIES_STYLE[s.kind];
            const points = s.points.map((p) => `${coord(sx(p[0]))},${coord(sy(p[1]))}`).join(' ');
            const markers = s.points
              .map(
                (p) =>
                  `<circle class="marker" cx="${coord(sx(p[0]))}" cy="${coord(sy(p[1]))}" r="2.5" fill="${style.color}"><title>${escapeXml(xLabel)} ${p[0]}: ${p[1]}</title></circle>`,
              )
              .join('');
            return `<g class="series-group" data-key="${s.key}"><polyline class="series ${s.kind}" data-key="${s.key}" points="${points}" fill="none" stroke="${style.color}" stroke-width="2"${style.dash}/>${markers}</g>`;
          })
          .join('');
        const legend = panel.series
          .map((s, row) => {
            const style = SERIES_STYLE[s.kind];
            // Legends sit above the plot area, side by side, so they never hide a line.
            const x = area.left + row * 100;
            const y = area.top - 12;
            return `<g class="legend-entry" data-key="${s.key}"><line x1="${coord(x)}" y1="${coord(y - 4)}" x2="${coord(x + 22)}" y2="${coord(y - 4)}" stroke="${style.color}" stroke-width="2"${style.dash}/><text x="${coord(x + 28)}" y="${coord(y)}">${s.kind === 'train' ? 'training' : 'validation'}</text></g>`;
          })
          .join('');
        return (
          `<g class="panel" data-metric="${panel.metric}">` +
          `<text class="panel-title" x="${coord(area.left + area.width / 2)}" y="54" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(panel.title)}</text>` +
          markup +
          lines +
          `<g class="legend">${legend}</g></g>`
        );
      })
      .join('');
  }
  return (
    svgOpen(width, height, 'loss-curves', title) +
    `<text class="plot-title" x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>` +
    body +
    '</svg>'
  );
}
