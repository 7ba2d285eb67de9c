import { ConfigError, PersistenceError } from '../errors/index.js';
import { describeFsError } from '../io/fs-errors.js';
import { filePathOf, makeFolder } from '../io/node-fs.js';
import { attempt, nodeFsFor } from './log-fs.js';

/**
 * Where a logger's text goes when it is not a file: called with each piece of text (a header or
 * a row, ending in `\n`), in order; `fit` waits for a returned promise.
 *
 * @category Logging
 */
export type LogWriter = (text: string) => void | Promise<void>;

const BROWSER_FIX = 'In a browser pass a write function instead of a path.';

/** How much of an existing log is read to find its header: a header longer than this is not ours. */
const HEAD_BYTES = 64 * 1024;

/** A text log that grows by appends: a file (Node) or a {@link LogWriter}. */
export interface LineLog {
  /**
   * Gets the destination ready before training: creates or empties the file, or in append mode
   * reads the first line of what is there (`undefined` when there is nothing yet).
   */
  open(): Promise<{ firstLine: string | undefined }>;
  /** Appends `text` with one write; `durable` also flushes it to the disk. */
  append(text: string, durable: boolean): Promise<void>;
}

/** Checks a logger's destination at once: a non-empty path or `file://` URL, or a function. */
export function checkDestination(where: string, destination: unknown): asserts destination is string | LogWriter {
  if (typeof destination === 'function') return;
  if (typeof destination === 'string' && filePathOf(destination).length > 0) return;
  throw new ConfigError(
    `${where}: the destination must be a file path, a file:// URL or a write function, got ${typeof destination === 'string' ? `'${destination}'` : typeof destination}. Pass e.g. 'runs/log.csv', or (text) => process.stdout.write(text).`,
    { field: 'destination', expected: 'a file path, a file:// URL or a function', got: destination },
  );
}

/** A {@link LineLog} for a path (Node) or a write function. */
export function lineLog(where: string, destination: string | LogWriter, append: boolean): LineLog {
  if (typeof destination === 'function') {
    return {
      open: async () => ({ firstLine: undefined }),
      append: async (text) => {
        await destination(text);
      },
    };
  }
  return fileLog(where, destination, append);
}

/** The first line of `head` (bytes from a file's start), or the whole text when it has no line break. */
function firstLineOf(head: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(head);
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function fileLog(where: string, location: string, append: boolean): LineLog {
  const path = filePathOf(location);
  // An interrupted run can leave a last row without its line break: the next row starts on a new line.
  let needsNewline = false;
  const kept = 'The rows written before are kept. ';
  return {
    async open() {
      const nodeFs = await nodeFsFor(where, location, BROWSER_FIX);
      const { fs, path: p } = nodeFs;
      needsNewline = false;
      await attempt(where, location, 'creating its folder', '', () => makeFolder(nodeFs, p.dirname(p.resolve(path))));
      const existing = await attempt(where, location, 'checking what is there', '', async () => {
        try {
          return await fs.stat(path);
        } catch (error) {
          if (describeFsError(error).reason === 'not-found') return undefined;
          throw error;
        }
      });
      if (existing?.isDirectory()) {
        throw new PersistenceError(
          `${where}: cannot write ${location}: it is a folder, not a file. Remove the folder or choose another file name.`,
          { location, reason: 'not-a-file' },
        );
      }
      if (!append || existing === undefined || existing.size === 0) {
        await attempt(where, location, 'creating the file', '', () => fs.writeFile(path, ''));
        return { firstLine: undefined };
      }
      return attempt(where, location, 'reading its first line', 'The file is unchanged. ', async () => {
        const handle = await fs.open(path, 'r');
        try {
          const head = new Uint8Array(Math.min(HEAD_BYTES, existing.size));
          const { bytesRead } = await handle.read(head, 0, head.length, 0);
          const last = new Uint8Array(1);
          await handle.read(last, 0, 1, existing.size - 1);
          needsNewline = last[0] !== 0x0a;
          return { firstLine: firstLineOf(head.subarray(0, bytesRead)) };
        } finally {
          await handle.close();
        }
      });
    },
    async append(text, durable) {
      const { fs } = await nodeFsFor(where, location, BROWSER_FIX);
      const data = needsNewline ? `\n${text}` : text;
      await attempt(where, location, 'appending a row', kept, async () => {
        const handle = await fs.open(path, 'a');
        try {
          await handle.write(data);
          if (durable) await handle.datasync();
        } finally {
          await handle.close();
        }
      });
      needsNewline = false;
    },
  };
}
