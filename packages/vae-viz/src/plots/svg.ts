/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Rounds coordinates to 2 decimals to keep SVG small and stable. */
export function coord(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** "Nice" axis ticks covering `[min, max]` (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; lo: number; hi: number } {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return { ticks: [0, 1], lo: 0, hi: 1 };
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) ticks.push(roundTo(lo + k * step, step));
  return { ticks, lo, hi };
}

function roundTo(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(digits, 12)));
}

/** Formats a tick or a metric for people: up to 4 significant digits, no trailing zeros. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A linear map from a data interval to a pixel interval. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Plot area of a panel, in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Draws both axes with ticks, tick labels and axis labels, and light grid lines; returns the
 * markup and the two scales.
 */
export function axes(
  area: PlotArea,
  x: { lo: number; hi: number; ticks: number[]; label: string },
  y: { lo: number; hi: number; ticks: number[]; label: string },
): { markup: string; sx: (v: number) => number; sy: (v: number) => number } {
  const { left, top, width, height } = area;
  const bottom = top + height;
  const sx = linearScale([x.lo, x.hi], [left, left + width]);
  const sy = linearScale([y.lo, y.hi], [bottom, top]);
  const xTicks = x.ticks
    .map(
      (t) =>
        `<g class="tick" data-value="${t}"><line x1="${coord(sx(t))}" y1="${coord(bottom)}" x2="${coord(sx(t))}" y2="${coord(bottom + 5)}" stroke="#333"/><text x="${coord(sx(t))}" y="${coord(bottom + 18)}" text-anchor="middle">${escapeXml(formatNumber(t))}</text></g>`,
    )
    .join('');
  const yTicks = y.ticks
    .map(
      (t) =>
        `<g class="tick" data-value="${t}"><line x1="${coord(left)}" y1="${coord(sy(t))}" x2="${coord(left + width)}" y2="${coord(sy(t))}" stroke="#e5e5e5"/><line x1="${coord(left - 5)}" y1="${coord(sy(t))}" x2="${coord(left)}" y2="${coord(sy(t))}" stroke="#333"/><text x="${coord(left - 8)}" y="${coord(sy(t) + 4)}" text-anchor="end">${escapeXml(formatNumber(t))}</text></g>`,
    )
    .join('');
  const markup =
    `<g class="axis axis-y">${yTicks}<line x1="${coord(left)}" y1="${coord(top)}" x2="${coord(left)}" y2="${coord(bottom)}" stroke="#333"/>` +
    `<text class="axis-label" transform="translate(${coord(left - 48)} ${coord(top + height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(y.label)}</text></g>` +
    `<g class="axis axis-x">${xTicks}<line x1="${coord(left)}" y1="${coord(bottom)}" x2="${coord(left + width)}" y2="${coord(bottom)}" stroke="#333"/>` +
    `<text class="axis-label" x="${coord(left + width / 2)}" y="${coord(bottom + 38)}" text-anchor="middle">${escapeXml(x.label)}</text></g>`;
  return { markup, sx, sy };
}

/** Opens an SVG document with a white background and readable default text. */
export function svgOpen(width: number, height: number, className: string, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${className}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title><rect class="background" width="${width}" height="${height}" fill="#fff"/>`
  );
}
