/**
 * What the `@vae` packages share from `@vae/core` but users of the library do not call: atomic
 * file writes for everything a package saves, the read side of an interrupted folder swap, and
 * the one seeded generator of plain numbers.
 *
 * This subpath (`@vae/core/internal`) is for `@vae/layers`, `@vae/datasets`, `@vae/viz`,
 * `@vae/backends` and `@vae/cli`. It has no stability promise: names and signatures may change in
 * any release, patch releases included. It is not part of the API reference.
 *
 * @packageDocumentation
 */

export type { FolderFiles } from '../io/atomic-write.js';
export { resolveReadableFolder, writeFileAtomic, writeFolderAtomic } from '../io/atomic-write.js';
export { mulberry32 } from './prng.js';
