import { ConfigError, type PersistenceError, VAEError } from '../errors/index.js';
import { writeFailure } from '../io/fs-errors.js';
import { loadNodeFs, type NodeFs } from '../io/node-fs.js';

/**
 * Node's file system for a logger, or a {@link ConfigError} where there is none (a browser),
 * ending with `fix`.
 */
export async function nodeFsFor(where: string, location: string, fix: string): Promise<NodeFs> {
  try {
    return await loadNodeFs(where, location);
  } catch (cause) {
    throw new ConfigError(
      `${where}: writing ${location} needs Node's file system, which is not available here. ${fix}`,
      { field: 'destination', expected: 'a file system to write to', got: location, cause },
    );
  }
}

/**
 * Runs a file system step; its failure becomes a {@link PersistenceError} naming the file.
 */
export async function attempt<T>(
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
