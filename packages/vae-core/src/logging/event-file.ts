import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

// Field numbers of tensorflow/core/util/event.proto (message Event) and
// tensorflow/core/framework/summary.proto (messages Summary and Summary.Value).
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2 } as const;

/** What the first record of an event file says: TensorBoard reads files that start with it. */
export const FILE_VERSION = 'brain.Event:2';

/**
 * One TFRecord: `uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`,
 * all little-endian.
 */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The `Event` that opens an event file: its wall time and `file_version`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(EVENT.wallTime, wallTime).string(EVENT.fileVersion, FILE_VERSION).finish();
}

/** An `Event` with a `Summary` of scalars (`simple_value`, 32-bit floats), one per tag. */
export function scalarsEvent(
  wallTime: number,
  step: number,
  scalars: ReadonlyArray<readonly [string, number]>,
): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of scalars) {
    summary.bytes(SUMMARY.value, new ProtoWriter().string(VALUE.tag, tag).float(VALUE.simpleValue, value).finish());
  }
  return new ProtoWriter()
    .double(EVENT.wallTime, wallTime)
    .uint(EVENT.step, step)
    .bytes(EVENT.summary, summary.finish())
    .finish();
}

/** Records, concatenated: what one append adds to an event file. */
export function concatRecords(events: readonly Uint8Array[]): Uint8Array {
  const records = events.map(encodeRecord);
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const record of records) {
    out.set(record, at);
    at += record.length;
  }
  return out;
}
