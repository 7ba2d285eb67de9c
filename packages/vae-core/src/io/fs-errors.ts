import { PersistenceError } from '../errors/index.js';

/** The classified causes of a file system failure, as {@link PersistenceError} reports them. */
export type FsFailureReason = PersistenceError['reason'];

/** A file system error, classified and put in words. */
export interface FsFailure {
  /** Node's error code, when there is one (`'ENOSPC'`). */
  code: string | undefined;
  /** The classified cause. */
  reason: FsFailureReason;
  /** The cause in words, e.g. `'no space is left on the device'`. */
  words: string;
}

const REASONS: Record<string, [FsFailureReason, string]> = {
  EROFS: ['read-only', 'the file system is read-only'],
  EACCES: ['permission', 'permission denied'],
  EPERM: ['permission', 'the operation is not permitted'],
  ENOSPC: ['no-space', 'no space is left on the device'],
  EDQUOT: ['no-space', 'the disk quota is used up'],
  ENOTDIR: ['not-a-folder', 'a part of the path is a file, not a folder'],
  EEXIST: ['not-a-folder', 'a file is in the way of a folder on the path'],
  EISDIR: ['not-a-file', 'it is a folder, not a file'],
  ENOENT: ['not-found', 'it does not exist (or a folder on its path does not)'],
  ELOOP: ['other', 'the path has too many symbolic links (a loop)'],
  ENAMETOOLONG: ['other', 'the path is too long'],
  EMFILE: ['other', 'the process has too many open files'],
  ENFILE: ['other', 'the system has too many open files'],
  EBUSY: ['other', 'it is busy (in use by another process)'],
  EIO: ['other', 'an input/output error (a failing disk or a lost network drive)'],
};

/** Classifies a thrown file system error (anything else counts as `'other'`, with its message). */
export function describeFsError(error: unknown): FsFailure {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const known = code === undefined ? undefined : REASONS[code];
  if (known) return { code, reason: known[0], words: known[1] };
  const message = error instanceof Error ? error.message : String(error);
  return { code, reason: 'other', words: code === undefined ? message : `${code}: ${message}` };
}

/** What to do about each reason, said to someone writing `location`. */
export function writeFix(reason: FsFailureReason, location: string): string {
  switch (reason) {
    case 'read-only':
      return 'Write to a folder on a writable disk.';
    case 'permission':
      return `Write to a folder this user may write to, or change the permissions of ${location}'s parent folder.`;
    case 'no-space':
      return 'Free some space on the disk, or write to another disk.';
    case 'not-a-folder':
      return `Choose a path whose parent folders are folders, or move the file that is in the way of ${location}.`;
    case 'not-a-file':
      return `Remove the folder at ${location}, or choose another file name.`;
    case 'not-found':
      return 'Check that the parent folders exist and are not removed while writing.';
    default:
      return 'Check the path and the disk, then try again.';
  }
}

/**
 * The {@link PersistenceError} for a failed write of `location`: `step` says what was being
 * done (`'writing encoder/weights.bin'`), never the temporary name.
 */
export function writeFailure(
  where: string,
  location: string,
  step: string,
  cause: unknown,
  keptNote: string,
): PersistenceError {
  const { code, reason, words } = describeFsError(cause);
  const codeNote = code === undefined ? step : `${code} while ${step}`;
  return new PersistenceError(
    `${where}: cannot write ${location}: ${words} (${codeNote}). ${keptNote}${writeFix(reason, location)}`,
    { location, reason, code, cause },
  );
}
