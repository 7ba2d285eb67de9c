import { ConfigError, PersistenceError } from '../errors/index.js';
import { describeFsError } from '../io/fs-errors.js';
import { filePathOf, makeFolder } from '../io/node-fs.js';
import type { Callback } from '../training/callbacks.js';
import { concatRecords, fileVersionEvent, scalarsEvent } from './event-file.js';
import { type KerasLogs, kerasBatchLogs, kerasEpochLogs } from './keras-logs.js';
import { attempt, nodeFsFor } from './log-fs.js';

/**
 * Options of {@link tensorBoardLogger}.
 *
 * @category Logging
 */
export interface TensorBoardLoggerOptions {
  /**
   * The folder TensorBoard is pointed at (`tensorboard --logdir <logDir>`), as a path or
   * `file://` URL; created when missing. Each training run adds its own event file.
   */
  logDir: string;
  /**
   * Also write the `train/*` scalars at each loss read-back during an epoch (every
   * `logInterval` batches of `fit`), against the optimizer step.
   * @defaultValue `true`
   */
  batches?: boolean;
}

/**
 * A {@link tensorBoardLogger} callback, which tells where it writes.
 *
 * @category Logging
 */
export interface TensorBoardLoggerCallback extends Callback {
  /** The event file of the current (or last) run; `undefined` before training begins. */
  readonly file: string | undefined;
}

const FIX =
  'TensorBoard event files are written in Node; in a browser use csvLogger or jsonLinesLogger with a write function.';

/** Tries this many names for one run's event file before giving up. */
const NAME_TRIES = 100;

/** A host name fit for a file name. */
async function hostName(): Promise<string> {
  try {
    const os = await import(/* webpackIgnore: true */ 'node:os');
    return os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
  } catch {
    return 'localhost';
  }
}

const scalars = (prefix: string, logs: KerasLogs): Array<[string, number]> =>
  Object.entries(logs).map(([name, value]) => [`${prefix}/${name}`, value]);

/**
 * Writes TensorBoard event files: run `tensorboard --logdir <logDir>` and the Scalars tab shows
 * the training curves, live while `fit` runs.
 *
 * When training begins the logger creates `<logDir>/events.out.tfevents.<unix seconds>.<host name>`
 * (with a numeric suffix if that name is taken), a TFRecord file of `Event` protocol buffers that
 * starts with the `brain.Event:2` file version, as TensorFlow's summary writers do. Then it adds:
 * - at each loss read-back during an epoch (every `logInterval` batches of `fit`, unless
 *   `batches: false`), at the optimizer step: `train/loss`, `train/reconstruction`, `train/kl`
 *   (the means since the last read-back), `train/kl_weight`, `train/learning_rate`;
 * - at each epoch's end, at the epoch (0-based) as Keras' TensorBoard callback does: `epoch/loss`,
 *   `epoch/reconstruction`, `epoch/kl`, `epoch/kl_weight`, `epoch/beta`, `epoch/learning_rate`,
 *   `epoch/seconds`, and with validation data `epoch/val_loss`, `epoch/val_reconstruction`,
 *   `epoch/val_kl`.
 *
 * Values are TensorBoard's 32-bit `simple_value` scalars; for full precision write a
 * {@link csvLogger} or {@link jsonLinesLogger} beside it. Records are appended as they come and
 * each epoch's are flushed to the disk, so an interrupted run keeps its curves (TensorBoard reads
 * a file that is still growing). Node only.
 *
 * @param options - The log folder, and whether to write scalars during epochs.
 * @returns A callback for `fit`'s `callbacks`, with the event file's path once training began.
 * @throws {@link ConfigError} for a missing `logDir` (at once), or where there is no file system
 *   (when training begins).
 * @throws {@link PersistenceError} when the folder or file cannot be written, naming it and the cause.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { buildMlpVAE, tensorBoardLogger } from '@vae/core';
 * import * as tf from '@tensorflow/tfjs-core';
 *
 * const vae = buildMlpVAE({ inputShape: [16], hiddenUnits: [8], latentDim: 2 });
 * const x = tf.randomUniform([64, 16]);
 * const tensorBoard = tensorBoardLogger({ logDir: 'runs/tensorboard' });
 * await vae.fit(x, { epochs: 2, batchSize: 16, validationSplit: 0.25, callbacks: [tensorBoard] });
 * console.log(`tensorboard --logdir runs/tensorboard  # reads ${tensorBoard.file}`);
 * ```
 * @category Logging
 */
export function tensorBoardLogger(options: TensorBoardLoggerOptions): TensorBoardLoggerCallback {
  const where = 'tensorBoardLogger';
  const logDir = (options as Partial<TensorBoardLoggerOptions> | undefined)?.logDir;
  if (typeof logDir !== 'string' || filePathOf(logDir).length === 0) {
    throw new ConfigError(
      `${where}: logDir must be a folder path or file:// URL, got ${typeof logDir === 'string' ? `'${logDir}'` : typeof logDir}. Pass e.g. { logDir: 'runs/tensorboard' }.`,
      { field: 'logDir', expected: 'a folder path', got: logDir },
    );
  }
  const batches = options.batches ?? true;
  const folder = filePathOf(logDir);
  let file: string | undefined;

  const append = async (events: Uint8Array[], durable: boolean): Promise<void> => {
    const target = file as string;
    const { fs } = await nodeFsFor(where, target, FIX);
    await attempt(where, target, 'appending events', 'The events written before are kept. ', async () => {
      const handle = await fs.open(target, 'a');
      try {
        await handle.write(concatRecords(events));
        if (durable) await handle.datasync();
      } finally {
        await handle.close();
      }
    });
  };

  return {
    get file() {
      return file;
    },
    async onTrainBegin() {
      const nodeFs = await nodeFsFor(where, logDir, FIX);
      const { fs, path: p } = nodeFs;
      await attempt(where, logDir, 'creating the folder', '', () => makeFolder(nodeFs, p.resolve(folder)));
      const wallTime = Date.now() / 1000;
      const base = p.join(folder, `events.out.tfevents.${Math.floor(wallTime)}.${await hostName()}`);
      const first = concatRecords([fileVersionEvent(wallTime)]);
      for (let n = 0; n < NAME_TRIES; n++) {
        const candidate = n === 0 ? base : `${base}.${n}`;
        const created = await attempt(where, candidate, 'creating the event file', '', async () => {
          let handle: Awaited<ReturnType<typeof fs.open>>;
          try {
            handle = await fs.open(candidate, 'wx');
          } catch (error) {
            if (describeFsError(error).code === 'EEXIST') return false;
            throw error;
          }
          try {
            await handle.write(first);
            await handle.datasync();
          } finally {
            await handle.close();
          }
          return true;
        });
        if (created) {
          file = candidate;
          return;
        }
      }
      throw new PersistenceError(
        `${where}: cannot create an event file in ${logDir}: ${base} and ${NAME_TRIES - 1} numbered variants exist. Choose another logDir or remove old event files.`,
        { location: base, reason: 'other' },
      );
    },
    async onBatchEnd(logs) {
      if (!batches || !logs.fresh) return;
      await append([scalarsEvent(Date.now() / 1000, logs.step, scalars('train', kerasBatchLogs(logs)))], false);
    },
    async onEpochEnd(logs) {
      await append([scalarsEvent(Date.now() / 1000, logs.epoch, scalars('epoch', kerasEpochLogs(logs)))], true);
    },
  };
}
