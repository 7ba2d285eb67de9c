import { count, plural } from '../cli/words.js';

/** Formats a duration in seconds as `42s` or `3m07s` (`?` when unknown). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Where and how {@link progressLine} draws. */
export interface ProgressLineOptions {
  /** Where text goes (written as is: lines end in `\n`, live redraws start with `\r`). */
  write: (text: string) => void;
  /** Redraw one line in place (a terminal); otherwise a line every `heartbeatSeconds`. */
  live: boolean;
  /** Seconds between lines when not live. */
  heartbeatSeconds?: number;
  /** Milliseconds between redraws when live. */
  intervalMs?: number;
  /** Width of the bar in characters. */
  width?: number;
  /** Clock in milliseconds (for tests). */
  now?: () => number;
}

/** A progress line that batches advance; {@link ProgressLine.done} closes it. */
export interface ProgressLine {
  /** One more batch of `examples` examples is done. */
  advance(examples: number): void;
  /** Writes the closing line (what was done, in how long). */
  done(): void;
}

/**
 * Progress of batched work outside training (`vae eval`), drawn as core's `progressReporter`
 * draws an epoch: in a terminal one line redrawn in place with a bar, the batch, the ETA and the
 * speed; in a log a line every `heartbeatSeconds`; and at the end one line with the batches, the
 * examples and the time taken (`negative ELBO: 10/10 batches, 1,000 examples in 3s, 333 img/s`).
 *
 * @param label - What runs (`negative ELBO`, `importance-weighted NLL (k = 100)`).
 * @param batches - How many batches there will be.
 */
export function progressLine(label: string, batches: number, options: ProgressLineOptions): ProgressLine {
  const { write, live, heartbeatSeconds = 15, intervalMs = 200, width = 24, now = Date.now } = options;
  const start = now();
  const every = live ? intervalMs : heartbeatSeconds * 1000;
  let last = start;
  let done = 0;
  let examples = 0;
  let drawn = false;
  return {
    advance(size) {
      done += 1;
      examples += size;
      const t = now();
      if (every <= 0 || t - last < every) return;
      last = t;
      const elapsed = (t - start) / 1000;
      const eta = ` eta ${formatSeconds((elapsed / done) * (batches - done))}`;
      const speed = elapsed > 0 ? `  ${count(Math.round(examples / elapsed))} img/s` : '';
      if (live) {
        const filled = Math.round((Math.min(done, batches) / batches) * width);
        write(`\r${label} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${batches}${eta}${speed}   `);
        drawn = true;
      } else {
        write(`  ${label}: batch ${done}/${batches}${speed}${eta}\n`);
      }
    },
    done() {
      const seconds = (now() - start) / 1000;
      const speed = seconds > 0 ? `, ${count(Math.round(examples / seconds))} img/s` : '';
      const bar = drawn ? ` [${'='.repeat(width)}]` : '';
      write(
        `${drawn ? '\r' : ''}${label}${bar}: ${done}/${plural(batches, 'batch', 'batches')}, ${plural(examples, 'example')} in ${formatSeconds(seconds)}${speed}${drawn ? '          ' : ''}\n`,
      );
    },
  };
}
