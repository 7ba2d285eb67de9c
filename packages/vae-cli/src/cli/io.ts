/** Where a command prints: lines, raw text (progress bars), and errors. */
export interface CliIO {
  /** Prints one line. */
  out(line: string): void;
  /** Writes text as it is (for `\r` progress lines). */
  write(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard output is a terminal (a live progress bar). */
  isTTY: boolean;
}

/** The process's own streams. */
export const processIO: CliIO = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  write: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
  isTTY: Boolean(process.stdout.isTTY),
};
