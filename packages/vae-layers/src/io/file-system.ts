import { ModelFormatError } from '@vae/core';

/** The parts of `node:fs/promises` and `node:path` that the file:// code uses. */
export interface NodeFs {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
}

/**
 * Loads Node's file system modules on first use, so that code paths which never touch file://
 * (browsers, bundles) never import them.
 */
export async function loadNodeFs(where: string, location: string): Promise<NodeFs> {
  try {
    const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    return { fs, path };
  } catch (cause) {
    throw new ModelFormatError(
      `${where}: file:// needs Node's file system, which is not available here. In a browser use indexeddb://, localstorage://, http(s):// or a tf.io handler.`,
      { location, cause },
    );
  }
}

/** `file://./runs/x` -> `./runs/x`; `file:///abs/x` -> `/abs/x`; trailing slashes dropped. */
export function filePathOf(url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
}
