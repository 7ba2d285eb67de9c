import { mulberry32 } from '@vae/core/internal';
import type { ExampleSource } from './example-source.js';
import { elementSize } from './example-source.js';
import type { ResolvedPixelOptions } from './pixel-options.js';
import { mixSeed } from './random.js';

/**
 * Any array of numbers a dataset can hold in memory.
 *
 * @category Datasets
 */
export type NumericArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | readonly number[];

/**
 * Examples held in one flat array, transformed on read (scaling, binarisation): the stored array
 * stays compact (uint8 for MNIST) and float32 values exist only for the batch being made.
 */
export class ArraySource implements ExampleSource {
  readonly size: number;
  private readonly stride: number;
  private readonly is8Bit: boolean;

  constructor(
    private readonly values: NumericArray,
    readonly elementShape: readonly number[],
    readonly labels: Int32Array | undefined,
    readonly classNames: readonly string[] | undefined,
    private readonly pixels: ResolvedPixelOptions,
  ) {
    this.stride = elementSize(elementShape);
    this.size = this.stride === 0 ? 0 : values.length / this.stride;
    this.is8Bit = values instanceof Uint8Array || values instanceof Uint8ClampedArray;
  }

  async read(indices: readonly number[], epoch: number): Promise<{ values: Float32Array; kept: readonly number[] }> {
    const out = new Float32Array(indices.length * this.stride);
    indices.forEach((index, row) => {
      writeExample(
        this.values,
        index * this.stride,
        out,
        row * this.stride,
        this.stride,
        this.pixels,
        this.is8Bit,
        epoch,
        index,
      );
    });
    return { values: out, kept: indices };
  }
}

/**
 * Writes one example's transformed values into `out`: scaled, or binarised statically or by a
 * Bernoulli draw seeded by (binarizeSeed, epoch, exampleId), so the draw never depends on batch order.
 */
export function writeExample(
  values: NumericArray,
  from: number,
  out: Float32Array,
  to: number,
  stride: number,
  pixels: ResolvedPixelOptions,
  is8Bit: boolean,
  epoch: number,
  exampleId: number,
): void {
  const { binarize, threshold, binarizeSeed } = pixels;
  const intensityScale = is8Bit ? 1 / 255 : 1;
  if (binarize === 'none') {
    const scale = is8Bit && pixels.normalize ? 1 / 255 : 1;
    for (let i = 0; i < stride; i += 1) out[to + i] = values[from + i]! * scale;
  } else if (binarize === 'static') {
    for (let i = 0; i < stride; i += 1) out[to + i] = values[from + i]! * intensityScale >= threshold ? 1 : 0;
  } else {
    const random = mulberry32(mixSeed(binarizeSeed, epoch, exampleId));
    for (let i = 0; i < stride; i += 1) out[to + i] = random() < values[from + i]! * intensityScale ? 1 : 0;
  }
}
