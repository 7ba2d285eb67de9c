import { ConfigError } from '@vae/core';
import { zlibSync } from 'fflate';
import type { RgbaImage } from '../image/rgba-image.js';

/**
 * Options of {@link encodePng}.
 *
 * @category Visualization
 */
export interface EncodePngOptions {
  /**
   * Deflate level from 0 (store) to 9 (smallest).
   * @defaultValue `6`
   */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Picks the smallest PNG colour type that loses nothing: gray, RGB or RGBA. */
function colorTypeOf(data: Uint8ClampedArray): { type: 0 | 2 | 6; channels: 1 | 3 | 4 } {
  let gray = true;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] !== 255) return { type: 6, channels: 4 };
    if (gray && (data[i] !== data[i + 1] || data[i] !== data[i + 2])) gray = false;
  }
  return gray ? { type: 0, channels: 1 } : { type: 2, channels: 3 };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filters each row with whichever of the five PNG filters gives the smallest absolute sum. */
function filterRows(raw: Uint8Array, stride: number, rows: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rows * (stride + 1));
  const candidate = new Uint8Array(stride);
  for (let y = 0; y < rows; y++) {
    const line = raw.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? raw.subarray((y - 1) * stride, y * stride) : undefined;
    let best = 0;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let filter = 0; filter <= 4; filter++) {
      let score = 0;
      for (let x = 0; x < stride; x++) {
        const left = x >= bpp ? line[x - bpp]! : 0;
        const up = prev ? prev[x]! : 0;
        const upLeft = prev && x >= bpp ? prev[x - bpp]! : 0;
        const predictor =
          filter === 0
            ? 0
            : filter === 1
              ? left
              : filter === 2
                ? up
                : filter === 3
                  ? (left + up) >> 1
                  : paeth(left, up, upLeft);
        const value = (line[x]! - predictor) & 0xff;
        score += value < 128 ? value : 256 - value;
      }
      if (score < bestScore) {
        bestScore = score;
        best = filter;
      }
    }
    const base = y * (stride + 1);
    out[base] = best;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? line[x - bpp]! : 0;
      const up = prev ? prev[x]! : 0;
      const upLeft = prev && x >= bpp ? prev[x - bpp]! : 0;
      const predictor =
        best === 0 ? 0 : best === 1 ? left : best === 2 ? up : best === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
      candidate[x] = (line[x]! - predictor) & 0xff;
    }
    out.set(candidate, base + 1);
  }
  return out;
}

/**
 * Encodes an RGBA picture as PNG bytes, in pure JavaScript (runs in browsers and Node).
 *
 * The smallest lossless colour type is chosen: 8-bit gray when every pixel is gray and opaque,
 * RGB when every pixel is opaque, RGBA otherwise. Decoding the bytes gives back exactly the
 * pixels of `image`.
 *
 * @param image - The picture, e.g. from {@link imageGrid}.
 * @param options - Compression level.
 * @returns New PNG bytes.
 * @throws `ConfigError` (from `@vae/core`) when the picture's size does not match its data.
 * @example
 * ```ts
 * import { encodePng } from '@vae/viz';
 *
 * const red = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
 * const png = encodePng(red);
 * console.log(png.length > 8); // true
 * ```
 * @category Visualization
 */
export function encodePng(image: RgbaImage, options: EncodePngOptions = {}): Uint8Array {
  const { width, height, data } = image;
  if (
    !(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0) ||
    data.length !== width * height * 4
  ) {
    throw new ConfigError(
      `encodePng: image must have positive integer width and height and width * height * 4 bytes, got ${width} x ${height} with ${data.length} bytes.`,
      { field: 'image', expected: 'an RgbaImage', got: { width, height, bytes: data.length } },
    );
  }
  const { type, channels } = colorTypeOf(data);
  const raw = new Uint8Array(width * height * channels);
  if (channels === 4) raw.set(data);
  else {
    for (let i = 0, j = 0; i < data.length; i += 4) {
      raw[j++] = data[i]!;
      if (channels === 3) {
        raw[j++] = data[i + 1]!;
        raw[j++] = data[i + 2]!;
      }
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8;
  header[9] = type;
  const idat = zlibSync(filterRows(raw, width * channels, height, channels), { level: options.level ?? 6 });
  const parts = [
    new Uint8Array(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
