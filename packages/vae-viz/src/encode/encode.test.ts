import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { decodeWithSharp } from '../../test/helpers.js';
import type { RgbaImage } from '../image/rgba-image.js';
import { toDataUri } from './data-uri.js';
import { encodeGif } from './gif.js';
import { encodePng } from './png.js';

function picture(width: number, height: number, pixel: (x: number, y: number) => number[]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}

describe('encodePng', () => {
  const cases: Array<[string, RgbaImage, number]> = [
    ['gray', picture(7, 5, (x, y) => [x * 30 + y, x * 30 + y, x * 30 + y, 255]), 0],
    ['rgb', picture(6, 4, (x, y) => [x * 40, y * 60, (x * y * 13) % 256, 255]), 2],
    ['rgba', picture(3, 3, (x, y) => [x * 100, 20, y * 100, 50 + x * 60]), 6],
  ];
  it.each(cases)('round-trips %s pixels exactly through an independent decoder', async (_, image, colorType) => {
    const png = encodePng(image);
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(png[25]).toBe(colorType); // IHDR colour type byte
    const decoded = await decodeWithSharp(png);
    expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
    expect(Array.from(decoded.data)).toEqual(Array.from(image.data));
  });

  it('rejects a picture whose data does not match its size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(4) })).toThrow(ConfigError);
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(4) })).toThrow(/got 2 x 2 with 4 bytes/);
  });
});

describe('encodeGif', () => {
  it('writes every gray frame exactly, at the right size and count', async () => {
    const frames = [0, 1, 2, 3, 4].map((k) =>
      picture(4, 3, (x, y) =>
        Array(3)
          .fill((x * 50 + y * 7 + k * 11) % 256)
          .concat(255),
      ),
    );
    const gif = encodeGif(frames, { delayMs: 50 });
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    const sharp = (await import('sharp')).default;
    const meta = await sharp(gif, { animated: true }).metadata();
    expect(meta.pages).toBe(5);
    expect([meta.width, meta.pageHeight]).toEqual([4, 3]);
    expect(meta.delay).toEqual([50, 50, 50, 50, 50]);
    expect(meta.loop).toBe(0);
    for (let k = 0; k < 5; k++) {
      const decoded = await decodeWithSharp(gif, k);
      expect(Array.from(decoded.data)).toEqual(Array.from(frames[k]!.data));
    }
  });

  it('quantizes colour frames close to the originals', async () => {
    const frame = picture(8, 8, (x, y) => [x * 32, y * 32, 128, 255]);
    const decoded = await decodeWithSharp(encodeGif([frame, frame]));
    const maxError = Math.max(...Array.from(decoded.data, (v, i) => Math.abs(v - frame.data[i]!)));
    expect(maxError).toBeLessThanOrEqual(12);
  });

  it('rejects no frames, frames of different sizes and bad timing', () => {
    expect(() => encodeGif([])).toThrow(/at least one picture/);
    const a = picture(2, 2, () => [0, 0, 0, 255]);
    const b = picture(3, 2, () => [0, 0, 0, 255]);
    expect(() => encodeGif([a, b])).toThrow(/every frame must be 2 x 2 like the first, got 3 x 2 .* at frame 1/);
    expect(() => encodeGif([a], { delayMs: -1 })).toThrow(ConfigError);
    expect(() => encodeGif([a], { repeat: -2 })).toThrow(/repeat must be -1/);
  });
});

describe('toDataUri', () => {
  it('encodes bytes and text as base64 like the platform does', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 1000, 5000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) % 256);
      expect(toDataUri(bytes, 'image/png')).toBe(`data:image/png;base64,${Buffer.from(bytes).toString('base64')}`);
    }
    expect(toDataUri('<svg/>', 'image/svg+xml')).toBe(
      `data:image/svg+xml;base64,${Buffer.from('<svg/>').toString('base64')}`,
    );
  });
});
