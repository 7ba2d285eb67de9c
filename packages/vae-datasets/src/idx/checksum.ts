import { DatasetError } from '@vae/core';

/** SHA-256 of `bytes` as lowercase hex, through WebCrypto (browsers, Node >= 18). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a checksum mismatch message ends with unless the caller knows better. */
export const CHECKSUM_HELP = 'The file is corrupt or not the one expected: download it again or check the checksum.';

/**
 * Throws a {@link DatasetError} when `expected` is given and differs from the SHA-256 of `bytes`;
 * the message ends with `help` (what happened to the file, and the fix).
 */
export async function verifySha256(
  bytes: Uint8Array,
  expected: string | undefined,
  source: string,
  where: string,
  help = CHECKSUM_HELP,
): Promise<void> {
  if (expected === undefined) return;
  const got = await sha256Hex(bytes);
  if (got !== expected.toLowerCase()) {
    throw new DatasetError(
      `${where}: ${source} has SHA-256 ${got} (of its uncompressed content), expected ${expected.toLowerCase()}. ${help}`,
      { source },
    );
  }
}
