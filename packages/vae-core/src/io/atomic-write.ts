import { ConfigError, PersistenceError, VAEError } from '../errors/index.js';
import { describeFsError, writeFailure } from './fs-errors.js';
import { filePathOf, loadNodeFs, makeFolder, type NodeFs } from './node-fs.js';

/**
 * The contents of a folder to write: relative paths (forward slashes, no `..`) to bytes or text.
 *
 * @category Persistence
 */
export type FolderFiles = Record<string, Uint8Array | string>;

const SAFE_PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Suffix of the backup a folder swap keeps until the new folder is in place. */
export const PREVIOUS_SUFFIX = '.previous';

/** Whether `rel` is a safe relative path: letters, digits, `.`, `_`, `-`, `/` between names, no `.` or `..` parts. */
export function isSafeRelative(rel: unknown): rel is string {
  return typeof rel === 'string' && SAFE_PATH.test(rel) && !rel.split('/').some((p) => p === '.' || p === '..');
}

/** Throws a {@link ConfigError} unless `rel` is a safe relative path (no `..`, no absolute paths). */
export function checkRelative(where: string, rel: string, location: string): void {
  if (!isSafeRelative(rel)) {
    throw new ConfigError(
      `${where}: file name '${rel}' in ${location} is not allowed. Use letters, digits, '.', '_', '-' and '/' between folder names, without '..'.`,
      { field: 'file name', expected: "a relative path of letters, digits, '.', '_', '-' and '/'", got: rel },
    );
  }
}

// Temporary names: `<target>.tmp-p<pid>-<time>-<random>`. The pid tells a later write whether the
// writer that left one is still running; names without it come from older versions.
const TEMPORARY = /^\.tmp-(?:p(\d+)-)?[0-9a-z]+-[0-9a-z]+$/;
/** Temporary paths this process is writing right now (never cleaned up as leftovers). */
const inFlight = new Set<string>();

function temporaryPath(target: string): string {
  const pid = globalThis.process?.pid ?? 0;
  return `${target}.tmp-p${pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes what crashed writes of `target` left beside it: temporary files or folders whose
 * writer is no longer running (or that this process is not writing any more). Best effort.
 */
async function removeLeftovers({ fs, path: p }: NodeFs, target: string): Promise<void> {
  const dir = p.dirname(target);
  const base = p.basename(target);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const match = TEMPORARY.exec(name.slice(base.length));
    if (match === null) continue;
    const full = p.join(dir, name);
    if (inFlight.has(full)) continue;
    const pid = match[1] === undefined ? undefined : Number(match[1]);
    if (pid !== undefined && pid !== globalThis.process?.pid && isRunning(pid)) continue;
    await fs.rm(full, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function writeDurably(fs: NodeFs['fs'], file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs a file system step; its failure becomes a {@link PersistenceError} about `location`. */
async function step<T>(
  where: string,
  location: string,
  doing: string,
  kept: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (VAEError.isInstance(cause)) throw cause;
    throw writeFailure(where, location, doing, cause, kept);
  }
}

/** Stat of `path`, or `undefined` when nothing is there; other failures are thrown. */
async function statIfAny(fs: NodeFs['fs'], path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.stat(path);
  } catch (error) {
    if (describeFsError(error).reason === 'not-found') return undefined;
    throw error;
  }
}

/** {@link writeFileAtomic} with the caller's name in its messages. */
export async function writeFileAtomicAs(where: string, target: string, data: Uint8Array | string): Promise<void> {
  const path = filePathOf(target);
  const nodeFs = await loadNodeFs(where, target);
  const { fs, path: p } = nodeFs;
  const kept = 'The previous file, if any, is unchanged. ';
  await step(where, target, 'creating its folder', kept, () => makeFolder(nodeFs, p.dirname(p.resolve(path))));
  const existing = await step(where, target, 'checking what is there', kept, () => statIfAny(fs, path));
  if (existing?.isDirectory()) {
    throw new PersistenceError(
      `${where}: cannot write ${target}: it is a folder, not a file. Remove the folder or choose another file name.`,
      { location: target, reason: 'not-a-file' },
    );
  }
  await removeLeftovers(nodeFs, p.resolve(path));
  const temporary = p.resolve(temporaryPath(path));
  inFlight.add(temporary);
  try {
    await step(where, target, 'writing the data', kept, () => writeDurably(fs, temporary, data));
    await step(where, target, 'moving the new file into place', kept, () => fs.rename(temporary, path));
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    inFlight.delete(temporary);
  }
}

/**
 * Writes one file atomically (Node only): the data goes to a temporary sibling that is flushed
 * and then renamed over the target, so readers see the old file or the new one, never half.
 * Temporary files that crashed writes of the same target left behind are removed.
 *
 * @param target - A path or `file://` URL.
 * @param data - Bytes or text.
 * @returns Resolves when the file is in place.
 * @throws {@link PersistenceError} when the file cannot be written (read-only, no permission, no
 *   space, a folder in the way); it names `target` and the cause, and the previous file stays.
 * @throws {@link ModelFormatError} where Node's file system is not available.
 * @example
 * ```ts
 * import { writeFileAtomic } from '@vae/core/internal';
 * await writeFileAtomic('file://./runs/history.json', JSON.stringify({ epochs: 3 }));
 * ```
 * @category Persistence
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  return writeFileAtomicAs('writeFileAtomic', target, data);
}

/** {@link writeFolderAtomic} with the caller's name in its messages. */
export async function writeFolderAtomicAs(
  where: string,
  target: string,
  files: FolderFiles | ((write: (rel: string, data: Uint8Array | string) => Promise<void>) => Promise<void>),
): Promise<void> {
  const folder = filePathOf(target);
  const nodeFs = await loadNodeFs(where, target);
  const { fs, path: p } = nodeFs;
  const kept = `The previous contents of ${target}, if any, are unchanged. `;
  const at = <T>(doing: string, run: () => Promise<T>): Promise<T> => step(where, target, doing, kept, run);
  await at('creating its parent folder', () => makeFolder(nodeFs, p.dirname(p.resolve(folder))));
  const existing = await at('checking what is there', () => statIfAny(fs, folder));
  if (existing !== undefined && !existing.isDirectory()) {
    throw new PersistenceError(
      `${where}: cannot write ${target}: a file is there, not a folder. The file is unchanged. Remove or rename it, or choose another folder.`,
      { location: target, reason: 'not-a-folder' },
    );
  }
  await removeLeftovers(nodeFs, p.resolve(folder));
  const staging = p.resolve(temporaryPath(folder));
  const previous = folder + PREVIOUS_SUFFIX;
  inFlight.add(staging);
  const write = async (rel: string, data: Uint8Array | string): Promise<void> => {
    checkRelative(where, rel, target);
    const file = p.join(staging, ...rel.split('/'));
    await at(`writing ${rel}`, async () => {
      await makeFolder(nodeFs, p.dirname(file));
      await writeDurably(fs, file, data);
    });
  };
  let movedOld = false;
  try {
    await at('creating a staging folder beside it', () => makeFolder(nodeFs, staging));
    if (typeof files === 'function') {
      await files(write);
    } else {
      for (const [rel, data] of Object.entries(files)) await write(rel, data);
    }
    if (existing !== undefined) {
      await at('removing an old backup', () => fs.rm(previous, { recursive: true, force: true }));
      await at('moving the previous folder aside', () => fs.rename(folder, previous));
      movedOld = true;
    }
    await at('moving the new folder into place', () => fs.rename(staging, folder));
  } catch (error) {
    if (movedOld) await fs.rename(previous, folder).catch(() => undefined);
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  } finally {
    inFlight.delete(staging);
  }
  // Also clears a backup left by an earlier interrupted swap: the new folder supersedes it.
  await fs.rm(previous, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Writes a whole folder atomically (Node only): the files go into a temporary sibling folder,
 * each flushed to disk; then the old folder (if any) is renamed to `<folder>.previous`, the new
 * one renamed into place, and the backup removed. A crash before the swap leaves the old folder
 * untouched; a crash between the two renames leaves the old folder at `<folder>.previous`, which
 * {@link resolveReadableFolder} (and so `loadVAE`) falls back to. Staging folders that crashed
 * writes of the same target left behind are removed by the next write.
 *
 * @param target - The folder, as a path or `file://` URL.
 * @param files - Relative paths to contents; or an async function that receives a `write(rel,
 *   data)` callback, for contents produced one at a time.
 * @returns Resolves when the new folder is in place.
 * @throws {@link PersistenceError} when the folder cannot be written (read-only, no permission, no
 *   space, a file in the way); it names `target` and the cause, and the old folder stays.
 * @throws {@link ConfigError} for unsafe file names. Errors thrown by a `files` function pass
 *   through unchanged (the old folder stays).
 * @example
 * ```ts
 * import { writeFolderAtomic } from '@vae/core/internal';
 * await writeFolderAtomic('file://./runs/report', { 'index.html': '<h1>Run</h1>', 'data/loss.json': '[1, 0.5]' });
 * ```
 * @category Persistence
 */
export async function writeFolderAtomic(
  target: string,
  files: FolderFiles | ((write: (rel: string, data: Uint8Array | string) => Promise<void>) => Promise<void>),
): Promise<void> {
  return writeFolderAtomicAs('writeFolderAtomic', target, files);
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
 * import { resolveReadableFolder } from '@vae/core/internal';
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
