// The brand key keeps the class's former name (VaeError): errors from copies of the package
// released before the rename are still recognised by isInstance.
const VAE_ERROR_BRAND = Symbol.for('@vae/core/VaeError');

/**
 * Marks `error` with `brand`, a non-enumerable `Symbol.for` key: `Symbol.for` gives the same
 * symbol in every copy of the package, so the mark survives duplicated installs.
 */
export function setBrand(error: object, brand: symbol): void {
  Object.defineProperty(error, brand, { value: true, enumerable: false });
}

/** Whether `value` is an object marked with `brand` by {@link setBrand}. */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Options accepted by every {@link VAEError} constructor.
 *
 * @category Errors
 */
export interface VAEErrorOptions {
  /** The underlying error, kept as the standard `cause` property. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by the vae packages.
 *
 * Messages follow one shape: where it happened, what was wrong, what was expected, what was
 * given, and how to fix it. Use {@link VAEError.isInstance} rather than `instanceof` when two
 * copies of the package may be installed side by side: it checks a `Symbol.for` brand that
 * survives duplicated modules.
 *
 * @example
 * ```ts
 * import { VAEError } from '@vae/core';
 *
 * try {
 *   throw new VAEError('demo: something went wrong.');
 * } catch (error) {
 *   if (VAEError.isInstance(error)) console.log(error.name, error.message);
 * }
 * ```
 *
 * @category Errors
 */
export class VAEError extends Error {
  /** Stable name of the error class, for logs and serialisation. */
  override readonly name: string = 'VAEError';

  /**
   * @param message - Where, what, expected, got, how to fix.
   * @param options - `cause` of the error, if any.
   */
  constructor(message: string, options: VAEErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    setBrand(this, VAE_ERROR_BRAND);
  }

  /**
   * Whether `value` is a {@link VAEError} (or any subclass), from this or any other copy of the
   * package. Each subclass has its own brand and its own `isInstance`, so
   * `ShapeError.isInstance(error)` is `true` for shape errors only.
   *
   * @param value - Anything, typically a caught error.
   * @returns `true` when `value` carries the VAEError brand.
   */
  static isInstance(value: unknown): value is VAEError {
    return hasBrand(value, VAE_ERROR_BRAND);
  }
}
