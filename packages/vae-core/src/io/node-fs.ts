import { ModelFormatError } from '../errors/index.js';

/** The parts of `node:fs/promises` and `node:path` the file:// code uses. */
export interface NodeFs {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
}

let cached: Promise<NodeFs> | undefined;
let override: NodeFs | undefined;

/**
 * Test seam: until called again with `undefined`, {@link loadNodeFs} returns `fs` instead of
 * Node's modules (e.g. a file system whose writes fail with ENOSPC or EROFS).
 */
export function overrideNodeFs(fs: NodeFs | undefined): void {
  override = fs;
}

/**
 * Loads Node's file system modules on first use, so code paths that never touch `file://`
 * (browsers) never import them.
 */
export function loadNodeFs(where: string, location: string): Promise<NodeFs> {
  if (override !== undefined) return Promise.resolve(override);
  cached ??= (async () => {
    // webpack fails a build on Node built-ins it cannot resolve; this path never runs in a browser.
    const [fs, path] = await Promise.all([
      import(/* webpackIgnore: true */ 'node:fs/promises'),
      import(/* webpackIgnore: true */ 'node:path'),
    ]);
    return { fs, path };
  })();
  return cached.catch((cause: unknown) => {
    cached = undefined;
    throw new ModelFormatError(
      `${where}: file:// needs Node's file system, which is not available here (${String(cause)}). In a browser use indexeddb://, localstorage:// or http(s)://.`,
      { location, cause },
    );
  });
}

/** `file://./runs/x` -> `./runs/x`; `file:///abs/x` -> `/abs/x`; plain paths pass through. */
export function filePathOf(url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
}

/**
 * Creates the folder `dir` and any missing parents, like `mkdir -p`. Node's own
 * `mkdir(dir, { recursive: true })` never returns on some virtual file systems (under `/proc` it
 * loops on ENOENT), which would hang a save instead of failing it; this walks up one parent at a
 * time and gives up with the file system's error when a folder cannot be made.
 *
 * @throws The file system's error (EACCES, EROFS, ENOENT, EEXIST for a file in the way, ...).
 */
export async function makeFolder({ fs, path: p }: NodeFs, dir: string): Promise<void> {
  const target = p.resolve(dir);
  const made = async (): Promise<boolean> => {
    try {
      await fs.mkdir(target);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'EEXIST' && (await fs.stat(target)).isDirectory()) return true;
      if (code === 'ENOENT') return false;
      throw error;
    }
  };
  if (await made()) return;
  const parent = p.dirname(target);
  if (parent !== target) await makeFolder({ fs, path: p }, parent);
  try {
    await fs.mkdir(target);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'EEXIST' && (await fs.stat(target)).isDirectory()) return;
    throw error;
  }
}
