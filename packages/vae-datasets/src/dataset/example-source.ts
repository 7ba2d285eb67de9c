/**
 * Where a dataset's examples come from: an in-memory array, files decoded on demand, ... The
 * dataset object deals in indices; the source turns indices into plain numbers.
 */
export interface ExampleSource {
  /** Number of examples the source holds. */
  readonly size: number;
  /** Shape of one example. */
  readonly elementShape: readonly number[];
  /** Class of each example in source order, or `undefined`. */
  readonly labels: Int32Array | undefined;
  /** Names of the classes, or `undefined`. */
  readonly classNames: readonly string[] | undefined;
  /**
   * Reads the examples at `indices` (positions in the source) as float32 values, one example
   * after the other. A source may leave out examples it could not read (the skip policy of image
   * folders): `kept` lists the indices actually returned, in order.
   */
  read(indices: readonly number[], epoch: number): Promise<{ values: Float32Array; kept: readonly number[] }>;
}

/** Number of values in one example of the given shape. */
export function elementSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
