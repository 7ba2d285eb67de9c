import type * as tfl from '@tensorflow/tfjs-layers';

/** Constructor arguments every tfjs layer accepts (`name`, `trainable`, `dtype`, ...). */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** A shape as text for error messages: `[null, 28, 28, 1]`. */
export function showShape(shape: ReadonlyArray<number | null | undefined>): string {
  return `[${shape.map((d) => (d == null ? 'null' : String(d))).join(', ')}]`;
}

/** A value as text for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One shape from what `computeOutputShape`/`build` receive for a layer with one input. */
export function singleShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as tfl.Shape;
}

/** Two shapes from what `computeOutputShape`/`build` receive for a layer with two inputs, or undefined. */
export function pairOfShapes(shape: tfl.Shape | tfl.Shape[]): [tfl.Shape, tfl.Shape] | undefined {
  if (shape.length !== 2 || !Array.isArray(shape[0]) || !Array.isArray(shape[1])) return undefined;
  return [shape[0] as tfl.Shape, shape[1] as tfl.Shape];
}
