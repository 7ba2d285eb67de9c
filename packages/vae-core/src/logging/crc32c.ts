/** CRC-32C (Castagnoli), reflected: the polynomial 0x1EDC6F41 with its bits reversed. */
const POLYNOMIAL = 0x82f63b78;

/** The CRC of each byte value, for one table lookup per byte. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` (the checksum of TFRecord files; `crc32c("123456789")` is `0xe3069283`). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The delta TFRecord adds to a rotated CRC, so data holding its own CRC does not check out by chance. */
const MASK_DELTA = 0xa282ead8;

/** TFRecord's masked CRC-32C: the CRC rotated right by 15 bits plus {@link MASK_DELTA}, modulo 2^32. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
