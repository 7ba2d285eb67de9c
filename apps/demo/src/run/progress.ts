import { type Callback, progressReporter } from '@vae/core';

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Formats a duration in seconds as `42s` or `3m07s`. */
export const formatSeconds = seconds;

/**
 * Progress on the console: core's bar (ETA and loss terms, redrawn in place) in a terminal, and
 * in a log or pipe one line every `heartbeatSeconds` with the batch, loss, speed and ETA, plus
 * one line per epoch in both cases.
 */
export function consoleProgress(options: {
  write: (text: string) => void;
  live: boolean;
  heartbeatSeconds?: number;
}): Callback[] {
  const bar = progressReporter({ write: options.write, live: options.live });
  if (options.live) return [bar];
  const every = (options.heartbeatSeconds ?? 15) * 1000;
  let start = 0;
  let last = 0;
  let examples = 0;
  let epochs = 0;
  const heartbeat: Callback = {
    onTrainBegin(context) {
      epochs = context.epochs;
    },
    onEpochBegin() {
      start = Date.now();
      last = start;
      examples = 0;
    },
    onBatchEnd(logs) {
      examples += logs.size;
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      const elapsed = (now - start) / 1000;
      const total = logs.batchesPerEpoch;
      const done = logs.batch + 1;
      const eta = total ? `, epoch eta ${seconds((elapsed / done) * (total - done))}` : '';
      const loss = Number.isNaN(logs.loss)
        ? 'loss not read back yet'
        : `loss ${logs.loss.toFixed(2)} (rec ${logs.reconstruction.toFixed(2)}, kl ${logs.kl.toFixed(2)})`;
      options.write(
        `  epoch ${logs.epoch + 1}/${epochs} batch ${done}${total ? `/${total}` : ''}  ${loss}  ${(examples / elapsed).toFixed(0)} img/s${eta}\n`,
      );
    },
  };
  return [heartbeat, bar];
}
