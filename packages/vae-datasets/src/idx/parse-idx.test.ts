import { DatasetError } from '@vae/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeIdx, type IdxDtype, parseIdx } from './parse-idx.js';

/** Hand-written big-endian files: independent of encodeIdx. */
const HAND_WRITTEN: Array<[IdxDtype, number[], number[]]> = [
  ['uint8', [0, 0, 0x08, 1, 0, 0, 0, 2, 0xff, 0x01], [255, 1]],
  ['int8', [0, 0, 0x09, 1, 0, 0, 0, 2, 0xff, 0x7f], [-1, 127]],
  ['int16', [0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x2c], [-2, 300]],
  ['int32', [0, 0, 0x0c, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfd], [-3]],
  ['float32', [0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0], [1.5]],
  ['float64', [0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0x04, 0, 0, 0, 0, 0, 0], [-2.5]],
];

describe('parseIdx', () => {
  it.each(HAND_WRITTEN)('reads %s big-endian values', (dtype, bytes, values) => {
    const parsed = parseIdx(new Uint8Array(bytes));
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.shape).toEqual([values.length]);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  it('reads a 3-dimensional uint8 file in row-major order', () => {
    const bytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const parsed = parseIdx(bytes);
    expect(parsed.shape).toEqual([2, 1, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('does not return a view on its input', () => {
    const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 9]);
    const parsed = parseIdx(bytes);
    bytes[8] = 0;
    expect(parsed.data[0]).toBe(9);
  });

  it.each([
    [[0x1f, 0x8b, 8, 0, 0, 0], /wrong magic number: it starts with 0x1f 0x8b.*This is gzip data: decompress it first/],
    [[1, 0, 8, 1, 0, 0, 0, 0], /wrong magic number: it starts with 0x01 0x00, expected 0x00 0x00/],
    [[0, 0, 0x0a, 1, 0, 0, 0, 0], /unknown type code 0x0a/],
    [[0, 0, 8, 0], /0 dimensions/],
    [[0, 0, 8], /fewer than the 4-byte magic number/],
    [[0, 0, 8, 2, 0, 0, 0, 1], /truncated header: 2 dimensions need 12 header bytes, the file has 8/],
    [[0, 0, 8, 1, 0, 0, 0, 3, 1, 2], /truncated data: shape \[3\] of uint8 needs 3 data bytes, only 2 are present/],
    [[0, 0, 8, 1, 0, 0, 0, 1, 1, 2], /1 unexpected bytes after the 1 data bytes/],
    [[0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], /multiply to more than 2\^53 values/],
  ])('rejects %j with a DatasetError naming the source', (bytes, message) => {
    const error = (() => {
      try {
        parseIdx(new Uint8Array(bytes), 'data/bad.idx');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/^parseIdx: data\/bad\.idx is not a valid IDX file: /);
    expect((error as DatasetError).message).toMatch(message);
    expect((error as DatasetError).source).toBe('data/bad.idx');
  });
});

const dtypes: IdxDtype[] = ['uint8', 'int8', 'int16', 'int32', 'float32', 'float64'];
const ranges: Record<IdxDtype, fc.Arbitrary<number>> = {
  uint8: fc.integer({ min: 0, max: 255 }),
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  int32: fc.integer({ min: -2147483648, max: 2147483647 }),
  float32: fc.float({ noNaN: true }),
  float64: fc.double({ noNaN: true }),
};
const arrays = fc
  .tuple(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }))
  .chain(([dtype, shape]) =>
    fc
      .array(ranges[dtype], {
        minLength: shape.reduce((a, b) => a * b, 1),
        maxLength: shape.reduce((a, b) => a * b, 1),
      })
      .map((values) => ({ dtype, shape, values })),
  );
const TYPED = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Either a valid parse or a DatasetError; anything else (a RangeError, a hang, a crash) fails. */
function parsesOrDatasetError(bytes: Uint8Array): void {
  try {
    const parsed = parseIdx(bytes, 'fuzz');
    const count = parsed.shape.reduce((a, b) => a * b, 1);
    expect(parsed.data.length).toBe(count);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/^parseIdx: fuzz is not a valid IDX file: /);
  }
}

describe('parseIdx dimensions', () => {
  it('rejects sizes whose product overflows, even beside a dimension of 0 (found by the fuzz test below)', () => {
    const header = [0, 0, 0x0c, 5, ...[0xff, 0xff, 0xff, 0xff].flatMap((b) => [b, b, b, b]), 0, 0, 0, 0];
    expect(() => parseIdx(Uint8Array.from(header), 'huge.idx')).toThrow(
      /huge\.idx is not a valid IDX file: the dimensions \[4294967295, 4294967295, 4294967295, 4294967295, 0\] multiply to more than 2\^53 values/,
    );
    // A dimension of 0 with ordinary sizes is a valid, empty array.
    const empty = parseIdx(Uint8Array.from([0, 0, 0x0c, 2, 0, 0, 0, 0, 0, 0, 0, 7]), 'empty.idx');
    expect(empty.shape).toEqual([0, 7]);
    expect(empty.data.length).toBe(0);
  });
});

describe('parseIdx properties', () => {
  it('round-trips every dtype and shape through encodeIdx', () => {
    fc.assert(
      fc.property(arrays, ({ dtype, shape, values }) => {
        const data = TYPED[dtype].from(values);
        const parsed = parseIdx(encodeIdx({ dtype, shape, data }));
        expect(parsed.dtype).toBe(dtype);
        expect(parsed.shape).toEqual(shape);
        expect(Array.from(parsed.data)).toEqual(Array.from(data));
      }),
      { numRuns: 300 },
    );
  });

  it('gives a valid array or a DatasetError for random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), parsesOrDatasetError), { numRuns: 2000 });
  });

  it('gives a valid array or a DatasetError for random bytes behind a valid magic number', () => {
    const withMagic = fc
      .tuple(
        fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e),
        fc.integer({ min: 0, max: 5 }),
        fc.uint8Array({ maxLength: 80 }),
      )
      .map(([code, rank, rest]) => Uint8Array.from([0, 0, code, rank, ...rest]));
    fc.assert(fc.property(withMagic, parsesOrDatasetError), { numRuns: 2000 });
  });

  it('gives a valid array or a DatasetError for valid files with bytes flipped, cut or appended', () => {
    const mutated = fc
      .tuple(
        arrays,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([{ dtype, shape, values }, flips, cut, extra]) => {
        const bytes = encodeIdx({ dtype, shape, data: TYPED[dtype].from(values) });
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        const kept = bytes.subarray(0, bytes.length - (cut % (bytes.length + 1)));
        return Uint8Array.from([...kept, ...(cut % 3 === 0 ? extra : [])]);
      });
    fc.assert(fc.property(mutated, parsesOrDatasetError), { numRuns: 2000 });
  });
});
