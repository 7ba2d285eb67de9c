import { classColorBytes, type RgbaImage } from '@vae/viz';

/**
 * Draws 2-D latent means as coloured dots on a white square (one animation frame of the latent
 * space): axes span `[-range, range]`, with thin grey axes through the origin. Each class has its
 * colour of `@vae/viz` (`classColorBytes`), as in the report's scatter and its legend.
 */
export function scatterFrame(
  points: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { size?: number; range?: number } = {},
): RgbaImage {
  const size = options.size ?? 256;
  const range = options.range ?? 4;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  const put = (x: number, y: number, rgb: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    const i = (y * size + x) * 4;
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
  };
  const mid = Math.floor(size / 2);
  for (let i = 0; i < size; i++) {
    put(i, mid, [210, 210, 210]);
    put(mid, i, [210, 210, 210]);
  }
  const n = labels.length;
  for (let k = 0; k < n; k++) {
    const px = Math.round(((points[2 * k] as number) / range + 1) * 0.5 * (size - 1));
    const py = Math.round((1 - ((points[2 * k + 1] as number) / range + 1) * 0.5) * (size - 1));
    const rgb = classColorBytes(labels[k] as number);
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) put(px + dx, py + dy, rgb);
  }
  return { width: size, height: size, data };
}
