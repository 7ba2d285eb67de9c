import { VaeError, type VaeErrorOptions } from './vae-error.js';

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
export class ConfigError extends VaeError {
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
  constructor(message: string, details: { field: string; expected: string; got: unknown } & VaeErrorOptions) {
    super(message, details);
    this.field = details.field;
    this.expected = details.expected;
    this.got = details.got;
  }
}

/**
 * A tensor argument has the wrong shape, rank or dtype.
 *
 * @category Errors
 */
export class ShapeError extends VaeError {
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
    details: { argument: string; expected: ReadonlyArray<number | null>; got: readonly number[] } & VaeErrorOptions,
  ) {
    super(message, details);
    this.argument = details.argument;
    this.expected = details.expected;
    this.got = details.got;
  }
}

/**
 * An encoder or decoder does not meet the VAE contract: an encoder must map `x` to
 * `[mean, logVar]`, each `[batch, latentDim]`; a decoder must map `z` to the likelihood's
 * parameters in data shape.
 *
 * @category Errors
 */
export class EncoderContractError extends VaeError {
  override readonly name: string = 'EncoderContractError';
  /** Which network broke the contract. */
  readonly network: 'encoder' | 'decoder';

  /**
   * @param message - Full message, including how to fix the network.
   * @param details - Which network, plus an optional `cause`.
   */
  constructor(message: string, details: { network: 'encoder' | 'decoder' } & VaeErrorOptions) {
    super(message, details);
    this.network = details.network;
  }
}

/**
 * A model was used after `dispose()`.
 *
 * @category Errors
 */
export class DisposedError extends VaeError {
  override readonly name: string = 'DisposedError';
  /** The method that was called on the disposed object. */
  readonly method: string;

  /**
   * @param message - Full message.
   * @param details - The method that was called, plus an optional `cause`.
   */
  constructor(message: string, details: { method: string } & VaeErrorOptions) {
    super(message, details);
    this.method = details.method;
  }
}

/**
 * Data could not be loaded or parsed: a missing or corrupt file, a bad IDX header, a network
 * error, an image that does not decode, counts that do not match.
 *
 * @category Errors
 */
export class DatasetError extends VaeError {
  override readonly name: string = 'DatasetError';
  /** The file path or URL that failed, when there is one. */
  readonly source: string | undefined;

  /**
   * @param message - Full message, naming the file and the problem.
   * @param details - The failing source, plus an optional `cause`.
   */
  constructor(message: string, details: { source?: string } & VaeErrorOptions = {}) {
    super(message, details);
    this.source = details.source;
  }
}

/**
 * A saved model could not be read: a missing or corrupt `vae.json`, a newer format version, a
 * missing network, or a model that cannot be saved (a function encoder).
 *
 * @category Errors
 */
export class ModelFormatError extends VaeError {
  override readonly name: string = 'ModelFormatError';
  /** Where the model was being read from or written to, when known. */
  readonly location: string | undefined;

  /**
   * @param message - Full message, naming the location and the fix.
   * @param details - The location, plus an optional `cause`.
   */
  constructor(message: string, details: { location?: string } & VaeErrorOptions = {}) {
    super(message, details);
    this.location = details.location;
  }
}

/**
 * Training produced a NaN or infinite loss and was stopped.
 *
 * @category Errors
 */
export class NonFiniteLossError extends VaeError {
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
  constructor(message: string, details: { epoch: number; batch: number; value: number } & VaeErrorOptions) {
    super(message, details);
    this.epoch = details.epoch;
    this.batch = details.batch;
    this.value = details.value;
  }
}

/**
 * A backend could not be loaded or activated (a missing optional package such as
 * `@tensorflow/tfjs-node`, or a backend that failed to initialise).
 *
 * @category Errors
 */
export class BackendError extends VaeError {
  override readonly name: string = 'BackendError';
  /** The backend that was asked for. */
  readonly backend: string;

  /**
   * @param message - Full message, naming what to install or change.
   * @param details - The backend name, plus an optional `cause`.
   */
  constructor(message: string, details: { backend: string } & VaeErrorOptions) {
    super(message, details);
    this.backend = details.backend;
  }
}
