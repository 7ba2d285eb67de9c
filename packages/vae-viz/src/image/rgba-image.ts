/**
 * An RGBA picture in memory: `width * height * 4` bytes, row by row, top to bottom. It has the
 * shape of the browser's `ImageData`, so it can be drawn on a canvas as it is.
 *
 * @category Visualization
 */
export interface RgbaImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Pixels as R, G, B, A bytes, `width * height * 4` long. */
  readonly data: Uint8ClampedArray;
}

/**
 * A colour as a gray level in `[0, 1]` or an `[r, g, b]` triple in `[0, 1]`.
 *
 * @category Visualization
 */
export type Color = number | readonly [number, number, number];

/** Converts a {@link Color} to three bytes. */
export function colorBytes(color: Color): [number, number, number] {
  const rgb = typeof color === 'number' ? [color, color, color] : color;
  return [toByte(rgb[0]), toByte(rgb[1]), toByte(rgb[2])];
}

/** Maps a value in `[0, 1]` to a byte, clamping outside values and sending NaN to 0. */
export function toByte(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 255;
  return Math.round(value * 255);
}

/** Makes a `width x height` image filled with one colour. */
export function filledImage(width: number, height: number, color: Color): RgbaImage {
  const [r, g, b] = colorBytes(color);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = 255;
  }
  return { width, height, data };
}

/** Scales an image up by an integer factor with nearest-neighbour sampling (crisp pixels). */
export function scaleImage(image: RgbaImage, scale: number): RgbaImage {
  if (scale === 1) return image;
  const width = image.width * scale;
  const height = image.height * scale;
  const data = new Uint8ClampedArray(width * height * 4);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / scale) * image.width;
    for (let x = 0; x < width; x++) {
      const from = (row + Math.floor(x / scale)) * 4;
      const to = (y * width + x) * 4;
      data[to] = src[from]!;
      data[to + 1] = src[from + 1]!;
      data[to + 2] = src[from + 2]!;
      data[to + 3] = src[from + 3]!;
    }
  }
  return { width, height, data };
}
