import { escapeXml } from '../plots/svg.js';

/** Escapes text for HTML. */
export const escapeHtml = escapeXml;

/** Shows a config or metric value: numbers compactly, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A two-column table of keys and values. */
export function keyValueTable(className: string, entries: ReadonlyArray<readonly [string, unknown]>): string {
  const rows = entries
    .map(
      ([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(formatValue(v))}</code></td></tr>`,
    )
    .join('');
  return `<table class="${className}"><tbody>${rows}</tbody></table>`;
}

/** A table with a header row. */
export function table(className: string, header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const head = header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(formatValue(v))}</td>`).join('')}</tr>`).join('');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #f6f7f9; }
header { padding: 24px 32px 12px; background: #fff; border-bottom: 1px solid #e3e5e8; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #555; }
main { padding: 16px 32px 48px; max-width: 1200px; }
section { background: #fff; border: 1px solid #e3e5e8; border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
section h2 { margin: 0 0 12px; font-size: 18px; }
figure { margin: 0; }
figcaption { color: #555; font-size: 13px; margin-top: 8px; max-width: 72ch; }
img.picture { image-rendering: pixelated; image-rendering: crisp-edges; display: block; max-width: 100%; height: auto; border: 1px solid #ddd; background: #888; }
.svg-figure svg { max-width: 100%; height: auto; display: block; }
.gallery { display: flex; flex-wrap: wrap; gap: 16px; }
.gallery figure { flex: 0 0 auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #d5d8dc; }
td code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
pre.summary { font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 12px 0 0; overflow-x: auto; }
.epochs { max-height: 360px; overflow: auto; display: block; }
.notes { color: #8a5a00; }
.warnings { border-color: #e0b252; background: #fff8e6; color: #5c3d00; }
.warnings ul { margin: 0; padding-left: 20px; }
footer { color: #888; font-size: 12px; padding: 0 32px 24px; }
`;
