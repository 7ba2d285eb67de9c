const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of bytes, without relying on `Buffer` or `btoa` (works everywhere). */
export function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    const n = (a << 16) | (b << 8) | c;
    line += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    line += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    line += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
    if (line.length >= 4096) {
      parts.push(line);
      line = '';
    }
  }
  parts.push(line);
  return parts.join('');
}

/**
 * Wraps bytes or text as a `data:` URI, for embedding pictures in HTML or Markdown.
 *
 * @param content - Bytes (PNG, GIF) or text (SVG).
 * @param mimeType - For example `'image/png'`, `'image/gif'` or `'image/svg+xml'`.
 * @returns `data:<mimeType>;base64,...`
 * @example
 * ```ts
 * import { encodePng, toDataUri } from '@vae/viz';
 *
 * const dot = { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255]) };
 * const uri = toDataUri(encodePng(dot), 'image/png'); // 'data:image/png;base64,iVBOR...'
 * ```
 * @category Visualization
 */
export function toDataUri(content: Uint8Array | string, mimeType: string): string {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return `data:${mimeType};base64,${base64(bytes)}`;
}
