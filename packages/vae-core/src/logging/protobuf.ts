/**
 * The few protocol buffer encodings an event file needs (proto3 wire format): varints,
 * little-endian fixed 32 and 64 bit numbers, and length-delimited bytes.
 */

/** Wire types of the protocol buffer encoding. */
const WIRE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Builds one message, field by field, in the order written. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** A non-negative integer field (`int64`, `int32`, `uint64` of at most 2^53 - 1). */
  uint(field: number, value: number): this {
    this.key(field, WIRE.varint);
    return this.varint(value);
  }

  /** A `double` field. */
  double(field: number, value: number): this {
    this.key(field, WIRE.fixed64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.push(bytes);
  }

  /** A `float` field (the value is rounded to 32 bits). */
  float(field: number, value: number): this {
    this.key(field, WIRE.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.push(bytes);
  }

  /** A `string` field, as UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A `bytes` or embedded message field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE.lengthDelimited);
    this.varint(value.length);
    return this.push(value);
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Seven bits per byte, least significant first; arithmetic rather than bit operators, which stop at 32 bits. */
  private varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`protobuf varint: expected an integer from 0 to 2^53 - 1, got ${value}`);
    }
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    return this.push(Uint8Array.from(bytes));
  }

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }
}
