import { describe, expect, it } from 'vitest';
import { VAEError } from './vae-error.js';

describe('VAEError', () => {
  it('keeps its name, message and cause', () => {
    const cause = new TypeError('inner');
    const error = new VAEError('outer', { cause });
    expect(error.name).toBe('VAEError');
    expect(error.message).toBe('outer');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('recognises branded errors from another copy of the package', () => {
    const foreign = new Error('from a duplicate install');
    Object.defineProperty(foreign, Symbol.for('@vae/core/VaeError'), { value: true });
    expect(VAEError.isInstance(foreign)).toBe(true);
    expect(VAEError.isInstance(new Error('plain'))).toBe(false);
    expect(VAEError.isInstance('a string')).toBe(false);
    expect(VAEError.isInstance(null)).toBe(false);
  });
});
