import { DatasetError } from '@vae/core';

/**
 * Element types of the IDX format, named after the typed array that holds them.
 *
 * | code | dtype | |
 * | --- | --- | --- |
 * | 0x08 | `'uint8'` | unsigned byte |
 * | 0x09 | `'int8'` | signed byte |
 * | 0x0B | `'int16'` | short, big-endian |
 * | 0x0C | `'int32'` | int, big-endian |
 * | 0x0D | `'float32'` | float, big-endian |
 * | 0x0E | `'float64'` | double, big-endian |
 *
 * @category Datasets
 */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/**
 * The contents of one IDX file: its element type, its dimensions and its values in row-major
 * order, in native byte order.
 *
 * @category Datasets
 */
export interface IdxArray {
  /** The element type given by the file's magic number. */
  dtype: IdxDtype;
  /** The dimensions, outermost first (`[60000, 28, 28]` for MNIST training images). */
  shape: number[];
  /** The values, `product(shape)` of them. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const DTYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  8: { dtype: 'uint8', bytes: 1 },
  9: { dtype: 'int8', bytes: 1 },
  11: { dtype: 'int16', bytes: 2 },
  12: { dtype: 'int32', bytes: 4 },
  13: { dtype: 'float32', bytes: 4 },
  14: { dtype: 'float64', bytes: 8 },
};

function hex(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}

/**
 * Parses the bytes of an uncompressed IDX file (the format of MNIST and Fashion-MNIST).
 *
 * The file is a magic number (two zero bytes, a type code, the number of dimensions), each
 * dimension as a big-endian 32-bit unsigned integer, then the values, big-endian. Every byte is
 * checked: a wrong magic number, an unknown type, a short header, missing or extra data all give
 * a `DatasetError` naming `source`.
 *
 * @param bytes - The whole file, already decompressed.
 * @param source - A name for messages (a path or URL).
 * @param options - `copy: false` lets uint8 and int8 data be a view on `bytes` instead of a copy
 *   (for callers that own `bytes` and drop it); multi-byte types are always converted.
 * @returns The parsed array; its `data` is a new typed array unless `copy` is `false`.
 * @throws `DatasetError` for anything that is not a complete, valid IDX file.
 *
 * @example
 * ```ts
 * import { parseIdx } from '@vae/datasets';
 *
 * const bytes = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]);
 * const { dtype, shape, data } = parseIdx(bytes, 'labels.idx1');
 * console.log(dtype, shape, Array.from(data)); // uint8 [3] [7, 8, 9]
 * ```
 *
 * @category Datasets
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data', options: { copy?: boolean } = {}): IdxArray {
  const fail = (problem: string): never => {
    throw new DatasetError(`parseIdx: ${source} is not a valid IDX file: ${problem}`, { source });
  };
  if (bytes.length < 4) fail(`it holds ${bytes.length} bytes, fewer than the 4-byte magic number.`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `wrong magic number: it starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 0x00 0x00. ` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? 'This is gzip data: decompress it first.' : 'Is this an IDX file?'),
    );
  }
  const type = DTYPES[bytes[2]!];
  if (type === undefined) {
    fail(
      `unknown type code ${hex(bytes[2]!)} in the magic number, expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e.`,
    );
  }
  const { dtype, bytes: width } = type!;
  const rank = bytes[3]!;
  if (rank === 0) fail('the magic number gives 0 dimensions, expected at least 1.');
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    fail(`truncated header: ${rank} dimensions need ${headerLength} header bytes, the file has ${bytes.length}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  let nonzero = 1;
  for (let d = 0; d < rank; d += 1) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
    if (size > 0) nonzero *= size;
  }
  // Huge sizes would overflow to Infinity, and Infinity · 0 is NaN, which no size check catches.
  if (nonzero > Number.MAX_SAFE_INTEGER) {
    fail(`the dimensions [${shape.join(', ')}] multiply to more than 2^53 values; no file holds that many.`);
  }
  const available = bytes.length - headerLength;
  const needed = count * width;
  if (needed > available) {
    fail(
      `truncated data: shape [${shape.join(', ')}] of ${dtype} needs ${needed} data bytes, only ${available} are present. ` +
        'The file is incomplete: download or copy it again.',
    );
  }
  if (needed < available) {
    fail(
      `${available - needed} unexpected bytes after the ${needed} data bytes of shape [${shape.join(', ')}] of ${dtype}.`,
    );
  }
  return { dtype, shape, data: readValues(view, headerLength, count, dtype, options.copy ?? true) };
}

function readValues(view: DataView, offset: number, count: number, dtype: IdxDtype, copy: boolean): IdxArray['data'] {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count * DTYPES_BY_NAME[dtype]);
  switch (dtype) {
    case 'uint8':
      return copy ? bytes.slice() : bytes;
    case 'int8':
      return copy ? new Int8Array(bytes.slice().buffer) : new Int8Array(bytes.buffer, bytes.byteOffset, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i += 1) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

const DTYPES_BY_NAME: Record<IdxDtype, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/**
 * Encodes an array as an IDX file (big-endian), the inverse of {@link parseIdx}: for writing
 * datasets and test fixtures.
 *
 * @param array - Element type, shape and `product(shape)` values.
 * @returns The bytes of the uncompressed IDX file.
 * @throws `DatasetError` when the number of values does not match the shape.
 *
 * @example
 * ```ts
 * import { encodeIdx, parseIdx } from '@vae/datasets';
 *
 * const bytes = encodeIdx({ dtype: 'int16', shape: [2], data: new Int16Array([-1, 300]) });
 * console.log(Array.from(parseIdx(bytes).data)); // [-1, 300]
 * ```
 *
 * @category Datasets
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, shape, data } = array;
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new DatasetError(`encodeIdx: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}.`);
  }
  const width = DTYPES_BY_NAME[dtype];
  const code = Number(Object.entries(DTYPES).find(([, t]) => t.dtype === dtype)![0]);
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * width);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  for (const [d, size] of shape.entries()) view.setUint32(4 + 4 * d, size, false);
  for (let i = 0; i < count; i += 1) {
    const at = header + i * width;
    const value = data[i]!;
    if (dtype === 'uint8') view.setUint8(at, value);
    else if (dtype === 'int8') view.setInt8(at, value);
    else if (dtype === 'int16') view.setInt16(at, value, false);
    else if (dtype === 'int32') view.setInt32(at, value, false);
    else if (dtype === 'float32') view.setFloat32(at, value, false);
    else view.setFloat64(at, value, false);
  }
  return out;
}
