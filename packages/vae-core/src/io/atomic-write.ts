import { VaeError } from '../errors/index.js';
import { filePathOf, loadNodeFs } from './node-fs.js';

/**
 * The contents of a folder to write: relative paths (forward slashes, no `..`) to bytes or text.
 *
 * @category Persistence
 */
export type FolderFiles = Record<string, Uint8Array | string>;

const SAFE_PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Suffix of the backup a folder swap keeps until the new folder is in place. */
export const PREVIOUS_SUFFIX = '.previous';

/** Throws unless `rel` is a safe relative path (no `..`, no absolute paths). */
export function checkRelative(where: string, rel: string, location: string): void {
  if (!SAFE_PATH.test(rel) || rel.split('/').some((p) => p === '.' || p === '..')) {
    throw new VaeError(
      `${where}: file name '${rel}' in ${location} is not allowed. Use letters, digits, '.', '_', '-' and '/' between folder names, without '..'.`,
    );
  }
}

async function writeDurably(
  fs: typeof import('node:fs/promises'),
  file: string,
  data: Uint8Array | string,
): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function randomSuffix(): string {
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/**
 * Writes one file atomically (Node only): the data goes to a temporary sibling that is flushed
 * and then renamed over the target, so readers see the old file or the new one, never half.
 *
 * @param target - A path or `file://` URL.
 * @param data - Bytes or text.
 * @returns Resolves when the file is in place.
 * @throws {@link ModelFormatError} where Node's file system is not available.
 * @example
 * ```ts
 * import { writeFileAtomic } from '@vae/core';
 * await writeFileAtomic('file://./runs/history.json', JSON.stringify({ epochs: 3 }));
 * ```
 * @category Persistence
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const path = filePathOf(target);
  const { fs, path: p } = await loadNodeFs('writeFileAtomic', target);
  await fs.mkdir(p.dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${randomSuffix()}`;
  try {
    await writeDurably(fs, temporary, data);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes a whole folder atomically (Node only): the files go into a temporary sibling folder,
 * each flushed to disk; then the old folder (if any) is renamed to `<folder>.previous`, the new
 * one renamed into place, and the backup removed. A crash before the swap leaves the old folder
 * untouched; a crash between the two renames leaves the old folder at `<folder>.previous`, which
 * {@link resolveReadableFolder} (and so `loadVAE`) falls back to.
 *
 * @param target - The folder, as a path or `file://` URL.
 * @param files - Relative paths to contents; or an async function that receives a `write(rel,
 *   data)` callback, for contents produced one at a time.
 * @returns Resolves when the new folder is in place.
 * @throws {@link VaeError} for unsafe file names; the file system's errors otherwise (the old folder stays).
 * @example
 * ```ts
 * import { writeFolderAtomic } from '@vae/core';
 * await writeFolderAtomic('file://./runs/report', { 'index.html': '<h1>Run</h1>', 'data/loss.json': '[1, 0.5]' });
 * ```
 * @category Persistence
 */
export async function writeFolderAtomic(
  target: string,
  files: FolderFiles | ((write: (rel: string, data: Uint8Array | string) => Promise<void>) => Promise<void>),
): Promise<void> {
  const folder = filePathOf(target);
  const { fs, path: p } = await loadNodeFs('writeFolderAtomic', target);
  await fs.mkdir(p.dirname(p.resolve(folder)), { recursive: true });
  const staging = `${folder}.tmp-${randomSuffix()}`;
  const previous = folder + PREVIOUS_SUFFIX;
  await fs.mkdir(staging, { recursive: true });
  const write = async (rel: string, data: Uint8Array | string): Promise<void> => {
    checkRelative('writeFolderAtomic', rel, target);
    const file = p.join(staging, ...rel.split('/'));
    await fs.mkdir(p.dirname(file), { recursive: true });
    await writeDurably(fs, file, data);
  };
  let movedOld = false;
  try {
    if (typeof files === 'function') {
      await files(write);
    } else {
      for (const [rel, data] of Object.entries(files)) await write(rel, data);
    }
    const exists = await fs.stat(folder).then(
      () => true,
      () => false,
    );
    if (exists) {
      await fs.rm(previous, { recursive: true, force: true });
      await fs.rename(folder, previous);
      movedOld = true;
    }
    await fs.rename(staging, folder);
  } catch (error) {
    if (movedOld) await fs.rename(previous, folder).catch(() => undefined);
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  // Also clears a backup left by an earlier interrupted swap: the new folder supersedes it.
  await fs.rm(previous, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * The folder to read after atomic writes: `target` itself when `marker` exists in it, else the
 * `<target>.previous` backup left by a write interrupted between its two renames, else `target`.
 *
 * @param target - The folder, as a path or `file://` URL.
 * @param marker - A file that a complete folder always holds (e.g. `'vae.json'`).
 * @returns The path to read from.
 * @throws {@link ModelFormatError} where Node's file system is not available.
 * @example
 * ```ts
 * import { resolveReadableFolder } from '@vae/core';
 * const folder = await resolveReadableFolder('file://./runs/mnist', 'vae.json');
 * ```
 * @category Persistence
 */
export async function resolveReadableFolder(target: string, marker: string): Promise<string> {
  const folder = filePathOf(target);
  const { fs, path: p } = await loadNodeFs('resolveReadableFolder', target);
  const has = (dir: string): Promise<boolean> =>
    fs.stat(p.join(dir, marker)).then(
      () => true,
      () => false,
    );
  if (await has(folder)) return folder;
  if (await has(folder + PREVIOUS_SUFFIX)) return folder + PREVIOUS_SUFFIX;
  return folder;
}
