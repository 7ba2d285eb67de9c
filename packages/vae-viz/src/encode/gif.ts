import { ConfigError } from '@vae/core';
import * as gifencModule from 'gifenc';
import type { RgbaImage } from '../image/rgba-image.js';

/**
 * Options of {@link encodeGif}.
 *
 * @category Visualization
 */
export interface EncodeGifOptions {
  /**
   * Time each frame is shown, in milliseconds (GIF stores hundredths of a second).
   * @defaultValue `100`
   */
  delayMs?: number;
  /**
   * How often the animation plays: `0` loops forever, `-1` plays once, `n > 0` repeats `n` times.
   * @defaultValue `0`
   */
  repeat?: number;
}

type Gifenc = typeof gifencModule.default;

/**
 * gifenc is published as CommonJS (`main`) and ESM (`module`). Node's ESM loader gives its exports
 * as the default import; bundlers give named exports. Accept both.
 */
function gifenc(): Gifenc {
  const namespace = gifencModule as unknown as Partial<Gifenc> & { default?: Partial<Gifenc> };
  if (typeof namespace.GIFEncoder === 'function') return namespace as Gifenc;
  if (namespace.default && typeof namespace.default.GIFEncoder === 'function') return namespace.default as Gifenc;
  throw new ConfigError('encodeGif: the gifenc module has no GIFEncoder export. Reinstall gifenc@1.0.3.', {
    field: 'gifenc',
    expected: 'gifenc 1.0',
    got: Object.keys(namespace),
  });
}

const GRAY_PALETTE = Array.from({ length: 256 }, (_, v) => [v, v, v]);

function isGray(frame: RgbaImage): boolean {
  const d = frame.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/**
 * Encodes frames as an animated GIF, in pure JavaScript (runs in browsers and Node).
 *
 * Gray animations (every frame gray, as for MNIST) use an exact 256-level gray palette, so
 * decoding gives back the frames' pixels exactly; colour frames are quantized to 256 colours per
 * frame. Alpha is ignored.
 *
 * @param frames - One or more pictures of the same size, e.g. from {@link latentWalkFrames}.
 * @param options - Frame delay and looping.
 * @returns New GIF bytes.
 * @throws `ConfigError` (from `@vae/core`) when there are no frames, their sizes differ, or an option is out of range.
 * @example
 * ```ts
 * import { encodeGif } from '@vae/viz';
 *
 * const frame = (v: number) => ({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(v) });
 * const gif = encodeGif([frame(0), frame(128), frame(255)], { delayMs: 200 });
 * ```
 * @category Visualization
 */
export function encodeGif(frames: ReadonlyArray<RgbaImage>, options: EncodeGifOptions = {}): Uint8Array {
  const { delayMs = 100, repeat = 0 } = options;
  if (frames.length === 0) {
    throw new ConfigError('encodeGif: frames must hold at least one picture, got none.', {
      field: 'frames',
      expected: 'a non-empty array',
      got: 0,
    });
  }
  const { width, height } = frames[0]!;
  const odd = frames.findIndex((f) => f.width !== width || f.height !== height || f.data.length !== width * height * 4);
  if (odd >= 0) {
    const f = frames[odd]!;
    throw new ConfigError(
      `encodeGif: every frame must be ${width} x ${height} like the first, got ${f.width} x ${f.height} (${f.data.length} bytes) at frame ${odd}.`,
      { field: `frames[${odd}]`, expected: `${width} x ${height}`, got: `${f.width} x ${f.height}` },
    );
  }
  if (!(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new ConfigError(
      `encodeGif: delayMs must be a non-negative number, got ${String(delayMs)}. Pass e.g. { delayMs: 100 }.`,
      {
        field: 'options.delayMs',
        expected: 'a non-negative number',
        got: delayMs,
      },
    );
  }
  if (!(Number.isInteger(repeat) && repeat >= -1)) {
    throw new ConfigError(
      `encodeGif: repeat must be -1 (once), 0 (forever) or a positive count, got ${String(repeat)}.`,
      {
        field: 'options.repeat',
        expected: 'an integer >= -1',
        got: repeat,
      },
    );
  }
  const { GIFEncoder, quantize, applyPalette } = gifenc();
  const gray = frames.every(isGray);
  const encoder = GIFEncoder();
  for (const frame of frames) {
    let index: Uint8Array;
    let palette: number[][];
    if (gray) {
      index = new Uint8Array(width * height);
      for (let i = 0; i < index.length; i++) index[i] = frame.data[i * 4]!;
      palette = GRAY_PALETTE;
    } else {
      palette = quantize(frame.data, 256, { format: 'rgb565' });
      index = applyPalette(frame.data, palette, 'rgb565');
    }
    encoder.writeFrame(index, width, height, { palette, delay: delayMs, repeat });
  }
  encoder.finish();
  return encoder.bytes();
}
