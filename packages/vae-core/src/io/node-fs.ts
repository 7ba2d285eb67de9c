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
