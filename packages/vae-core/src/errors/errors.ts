import { hasBrand, setBrand, VAEError, type VAEErrorOptions } from './vae-error.js';

const CONFIG_ERROR_BRAND = Symbol.for('@vae/core/ConfigError');

/**
 * A configuration or option has an invalid value.
 *
 * @example
 * ```ts
 * import { ConfigError } from '@vae/core';
 *
 * const error = new ConfigError('buildConvVAE: latentDim must be a positive integer, got -2. Pass e.g. { latentDim: 16 }.', {
 *   field: 'latentDim',
 *   expected: 'a positive integer',
 *   got: -2,
 * });
 * console.log(error.field); // 'latentDim'
 * ```
 *
 * @category Errors
 */
export class ConfigError extends VAEError {
  override readonly name: string = 'ConfigError';
  /** The offending field or argument, as the user wrote it (`'latentDim'`, `'options.beta'`). */
  readonly field: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** The value that was given. */
  readonly got: unknown;

  /**
   * @param message - Full message: where, what, expected, got, how to fix.
   * @param details - The structured fields, plus an optional `cause`.
   */
  constructor(message: string, details: { field: string; expected: string; got: unknown } & VAEErrorOptions) {
    super(message, details);
    setBrand(this, CONFIG_ERROR_BRAND);
    this.field = details.field;
    this.expected = details.expected;
    this.got = details.got;
  }

  /**
   * Whether `value` is a {@link ConfigError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the ConfigError brand.
   */
  static override isInstance(value: unknown): value is ConfigError {
    return hasBrand(value, CONFIG_ERROR_BRAND);
  }
}

const SHAPE_ERROR_BRAND = Symbol.for('@vae/core/ShapeError');

/**
 * A tensor argument has the wrong shape, rank or dtype.
 *
 * @category Errors
 */
export class ShapeError extends VAEError {
  override readonly name: string = 'ShapeError';
  /** The argument whose shape was wrong (`'x'`, `'z'`, `'labels'`). */
  readonly argument: string;
  /** The expected shape; `null` entries mean any size. */
  readonly expected: ReadonlyArray<number | null>;
  /** The shape that was given. */
  readonly got: readonly number[];

  /**
   * @param message - Full message: where, what, expected, got, how to fix.
   * @param details - The structured fields, plus an optional `cause`.
   */
  constructor(
    message: string,
    details: { argument: string; expected: ReadonlyArray<number | null>; got: readonly number[] } & VAEErrorOptions,
  ) {
    super(message, details);
    setBrand(this, SHAPE_ERROR_BRAND);
    this.argument = details.argument;
    this.expected = details.expected;
    this.got = details.got;
  }

  /**
   * Whether `value` is a {@link ShapeError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the ShapeError brand.
   */
  static override isInstance(value: unknown): value is ShapeError {
    return hasBrand(value, SHAPE_ERROR_BRAND);
  }
}

const ENCODER_CONTRACT_ERROR_BRAND = Symbol.for('@vae/core/EncoderContractError');

/**
 * An encoder or decoder does not meet the VAE contract: an encoder must map `x` to
 * `[mean, logVar]`, each `[batch, latentDim]`; a decoder must map `z` to the likelihood's
 * parameters in data shape.
 *
 * @category Errors
 */
export class EncoderContractError extends VAEError {
  override readonly name: string = 'EncoderContractError';
  /** Which network broke the contract. */
  readonly network: 'encoder' | 'decoder';

  /**
   * @param message - Full message, including how to fix the network.
   * @param details - Which network, plus an optional `cause`.
   */
  constructor(message: string, details: { network: 'encoder' | 'decoder' } & VAEErrorOptions) {
    super(message, details);
    setBrand(this, ENCODER_CONTRACT_ERROR_BRAND);
    this.network = details.network;
  }

  /**
   * Whether `value` is an {@link EncoderContractError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the EncoderContractError brand.
   */
  static override isInstance(value: unknown): value is EncoderContractError {
    return hasBrand(value, ENCODER_CONTRACT_ERROR_BRAND);
  }
}

const DISPOSED_ERROR_BRAND = Symbol.for('@vae/core/DisposedError');

/**
 * A model was used after `dispose()`.
 *
 * @category Errors
 */
export class DisposedError extends VAEError {
  override readonly name: string = 'DisposedError';
  /** The method that was called on the disposed object. */
  readonly method: string;

  /**
   * @param message - Full message.
   * @param details - The method that was called, plus an optional `cause`.
   */
  constructor(message: string, details: { method: string } & VAEErrorOptions) {
    super(message, details);
    setBrand(this, DISPOSED_ERROR_BRAND);
    this.method = details.method;
  }

  /**
   * Whether `value` is a {@link DisposedError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the DisposedError brand.
   */
  static override isInstance(value: unknown): value is DisposedError {
    return hasBrand(value, DISPOSED_ERROR_BRAND);
  }
}

const DATASET_ERROR_BRAND = Symbol.for('@vae/core/DatasetError');

/**
 * Data could not be loaded or parsed: a missing or corrupt file, a bad IDX header, a network
 * error, an image that does not decode, counts that do not match.
 *
 * @category Errors
 */
export class DatasetError extends VAEError {
  override readonly name: string = 'DatasetError';
  /** The file path or URL that failed, when there is one. */
  readonly source: string | undefined;

  /**
   * @param message - Full message, naming the file and the problem.
   * @param details - The failing source, plus an optional `cause`.
   */
  constructor(message: string, details: { source?: string } & VAEErrorOptions = {}) {
    super(message, details);
    setBrand(this, DATASET_ERROR_BRAND);
    this.source = details.source;
  }

  /**
   * Whether `value` is a {@link DatasetError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the DatasetError brand.
   */
  static override isInstance(value: unknown): value is DatasetError {
    return hasBrand(value, DATASET_ERROR_BRAND);
  }
}

const MODEL_FORMAT_ERROR_BRAND = Symbol.for('@vae/core/ModelFormatError');

/**
 * A saved model could not be read: a missing or corrupt `vae.json`, a newer format version, a
 * missing network, or a model that cannot be saved (a function encoder).
 *
 * @category Errors
 */
export class ModelFormatError extends VAEError {
  override readonly name: string = 'ModelFormatError';
  /** Where the model was being read from or written to, when known. */
  readonly location: string | undefined;

  /**
   * @param message - Full message, naming the location and the fix.
   * @param details - The location, plus an optional `cause`.
   */
  constructor(message: string, details: { location?: string } & VAEErrorOptions = {}) {
    super(message, details);
    setBrand(this, MODEL_FORMAT_ERROR_BRAND);
    this.location = details.location;
  }

  /**
   * Whether `value` is a {@link ModelFormatError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the ModelFormatError brand.
   */
  static override isInstance(value: unknown): value is ModelFormatError {
    return hasBrand(value, MODEL_FORMAT_ERROR_BRAND);
  }
}

const NON_FINITE_LOSS_ERROR_BRAND = Symbol.for('@vae/core/NonFiniteLossError');

/**
 * Training produced a NaN or infinite loss and was stopped.
 *
 * @category Errors
 */
export class NonFiniteLossError extends VAEError {
  override readonly name: string = 'NonFiniteLossError';
  /** The epoch (0-based) in which the loss stopped being finite. */
  readonly epoch: number;
  /** The batch (0-based, within the epoch) whose loss was read as non-finite. */
  readonly batch: number;
  /** The loss value that was read. */
  readonly value: number;

  /**
   * @param message - Full message, naming the epoch, batch and what to try.
   * @param details - Epoch, batch and value, plus an optional `cause`.
   */
  constructor(message: string, details: { epoch: number; batch: number; value: number } & VAEErrorOptions) {
    super(message, details);
    setBrand(this, NON_FINITE_LOSS_ERROR_BRAND);
    this.epoch = details.epoch;
    this.batch = details.batch;
    this.value = details.value;
  }

  /**
   * Whether `value` is a {@link NonFiniteLossError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the NonFiniteLossError brand.
   */
  static override isInstance(value: unknown): value is NonFiniteLossError {
    return hasBrand(value, NON_FINITE_LOSS_ERROR_BRAND);
  }
}

const BACKEND_ERROR_BRAND = Symbol.for('@vae/core/BackendError');

/**
 * A backend could not be loaded or activated (a missing optional package such as
 * `@tensorflow/tfjs-node`, or a backend that failed to initialise).
 *
 * @category Errors
 */
export class BackendError extends VAEError {
  override readonly name: string = 'BackendError';
  /** The backend that was asked for. */
  readonly backend: string;

  /**
   * @param message - Full message, naming what to install or change.
   * @param details - The backend name, plus an optional `cause`.
   */
  constructor(message: string, details: { backend: string } & VAEErrorOptions) {
    super(message, details);
    setBrand(this, BACKEND_ERROR_BRAND);
    this.backend = details.backend;
  }

  /**
   * Whether `value` is a {@link BackendError}, from this or any other copy of the package; other
   * {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the BackendError brand.
   */
  static override isInstance(value: unknown): value is BackendError {
    return hasBrand(value, BACKEND_ERROR_BRAND);
  }
}

const PERSISTENCE_ERROR_BRAND = Symbol.for('@vae/core/PersistenceError');

/**
 * A file or folder could not be written (or moved into place): a read-only file system, no
 * permission, no space left, a file where a folder should be. The message names the target the
 * caller asked for (never a temporary name), the cause in words and what to do; `cause` holds
 * the file system's own error. The atomic writers leave the previous contents in place.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { writeFileSync } from 'node:fs';
 * import { buildMlpVAE, PersistenceError } from '@vae/core';
 *
 * writeFileSync('not-a-folder', 'x'); // a file where the model's parent folder should be
 * const vae = buildMlpVAE({ inputShape: [4], hiddenUnits: [8], latentDim: 2 });
 * try {
 *   await vae.save('file://./not-a-folder/model');
 * } catch (error) {
 *   if (PersistenceError.isInstance(error)) console.log(error.reason, error.code);
 * } finally {
 *   vae.dispose();
 * }
 * ```
 *
 * @category Errors
 */
export class PersistenceError extends VAEError {
  override readonly name: string = 'PersistenceError';
  /** The target that could not be written, as the caller named it (path or `file://` URL). */
  readonly location: string;
  /**
   * The cause, classified: `'read-only'` (EROFS), `'permission'` (EACCES, EPERM), `'no-space'`
   * (ENOSPC, EDQUOT), `'not-a-folder'` (a file where a folder is needed, ENOTDIR),
   * `'not-a-file'` (a folder where a file is needed, EISDIR), `'not-found'` (ENOENT), or
   * `'other'`.
   */
  readonly reason: 'read-only' | 'permission' | 'no-space' | 'not-a-folder' | 'not-a-file' | 'not-found' | 'other';
  /** The file system's error code (`'ENOSPC'`, `'EROFS'`, ...), when there is one. */
  readonly code: string | undefined;

  /**
   * @param message - Full message: where, which target, the cause in words, how to fix.
   * @param details - The target, the classified reason and the code, plus an optional `cause`.
   */
  constructor(
    message: string,
    details: {
      location: string;
      reason: PersistenceError['reason'];
      code?: string;
    } & VAEErrorOptions,
  ) {
    super(message, details);
    setBrand(this, PERSISTENCE_ERROR_BRAND);
    this.location = details.location;
    this.reason = details.reason;
    this.code = details.code;
  }

  /**
   * Whether `value` is a {@link PersistenceError}, from this or any other copy of the package;
   * other {@link VAEError} subclasses give `false`.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the PersistenceError brand.
   */
  static override isInstance(value: unknown): value is PersistenceError {
    return hasBrand(value, PERSISTENCE_ERROR_BRAND);
  }
}
