import { ConfigError } from '@vae/core';

/**
 * A bad command line: unknown flag, missing value, bad number. Thrown as a `ConfigError` so the
 * entry point prints it on one line and exits with status 2.
 */
export function usageError(message: string, field: string, got: unknown, expected = 'a valid value'): ConfigError {
  return new ConfigError(message, { field, expected, got });
}
