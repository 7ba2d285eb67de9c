import type { ExampleSource } from './example-source.js';
import { elementSize } from './example-source.js';
import type { ResolvedPixelOptions } from './pixel-options.js';
import { createRandom, mixSeed } from './random.js';

/** Any array of numbers a dataset can hold in memory. */
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
  private readonly intensityScale: number;
  private readonly outputScale: number;

  constructor(
    private readonly values: NumericArray,
    readonly elementShape: readonly number[],
    readonly labels: Int32Array | undefined,
    readonly classNames: readonly string[] | undefined,
    private readonly pixels: ResolvedPixelOptions,
  ) {
    this.stride = elementSize(elementShape);
    this.size = this.stride === 0 ? 0 : values.length / this.stride;
    const is8Bit = values instanceof Uint8Array || values instanceof Uint8ClampedArray;
    this.intensityScale = is8Bit ? 1 / 255 : 1;
    this.outputScale = is8Bit && pixels.normalize ? 1 / 255 : 1;
  }

  async read(indices: readonly number[], epoch: number): Promise<{ values: Float32Array; kept: readonly number[] }> {
    const { stride, values } = this;
    const out = new Float32Array(indices.length * stride);
    const { binarize, threshold, binarizeSeed } = this.pixels;
    indices.forEach((index, row) => {
      const from = index * stride;
      const to = row * stride;
      if (binarize === 'none') {
        const scale = this.outputScale;
        for (let i = 0; i < stride; i += 1) out[to + i] = values[from + i]! * scale;
      } else if (binarize === 'static') {
        const scale = this.intensityScale;
        for (let i = 0; i < stride; i += 1) out[to + i] = values[from + i]! * scale >= threshold ? 1 : 0;
      } else {
        const scale = this.intensityScale;
        const random = createRandom(mixSeed(binarizeSeed, epoch, index));
        for (let i = 0; i < stride; i += 1) out[to + i] = random() < values[from + i]! * scale ? 1 : 0;
      }
    });
    return { values: out, kept: indices };
  }
}
