import { ConfigError } from '@vae/core';

/**
 * Ten distinguishable colours for classes, as `#rrggbb` (the "tab10" palette of matplotlib and
 * TensorBoard's projector). Class `i` gets `CLASS_COLORS[i % 10]`: the scatter plots, the legend
 * of the training report, the CLI's latent animation and the demo page all use this order, so a
 * class has one colour everywhere.
 *
 * @example
 * ```ts
 * import { CLASS_COLORS } from '@vae/viz';
 *
 * console.log(CLASS_COLORS[3]); // '#d62728'
 * ```
 * @category Visualization
 */
export const CLASS_COLORS: readonly string[] = Object.freeze([
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]);

function paletteIndex(label: number, where: string): number {
  if (!(Number.isInteger(label) && label >= 0)) {
    throw new ConfigError(
      `${where}: label must be a non-negative integer class id, got ${String(label)}. Pass the class index (0, 1, ...), e.g. from argMax of one-hot labels.`,
      { field: 'label', expected: 'a non-negative integer', got: label },
    );
  }
  return label % CLASS_COLORS.length;
}

/**
 * The colour of a class as `#rrggbb`, for SVG, HTML and canvas (`ctx.fillStyle`). Classes beyond
 * ten reuse the palette in order.
 *
 * @param label - The class id, a non-negative integer.
 * @returns `CLASS_COLORS[label % 10]`.
 * @throws `ConfigError` (from `@vae/core`) when `label` is not a non-negative integer.
 * @example
 * ```ts
 * import { classColor } from '@vae/viz';
 *
 * console.log(classColor(0), classColor(10)); // '#1f77b4' '#1f77b4'
 * ```
 * @category Visualization
 */
export function classColor(label: number): string {
  return CLASS_COLORS[paletteIndex(label, 'classColor')]!;
}

/**
 * The colour of a class as red, green and blue bytes (0-255), for drawing into pixels such as an
 * {@link RgbaImage}'s `data`.
 *
 * @param label - The class id, a non-negative integer.
 * @returns `[r, g, b]`, each an integer in `[0, 255]`.
 * @throws `ConfigError` (from `@vae/core`) when `label` is not a non-negative integer.
 * @example
 * ```ts
 * import { classColorBytes } from '@vae/viz';
 *
 * console.log(classColorBytes(1)); // [255, 127, 14]
 * ```
 * @category Visualization
 */
export function classColorBytes(label: number): [number, number, number] {
  const hex = CLASS_COLORS[paletteIndex(label, 'classColorBytes')]!;
  return [
    Number.parseInt(hex.slice(1, 3), 16),
    Number.parseInt(hex.slice(3, 5), 16),
    Number.parseInt(hex.slice(5, 7), 16),
  ];
}
