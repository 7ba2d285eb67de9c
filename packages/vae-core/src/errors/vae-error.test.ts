import { describe, expect, it } from 'vitest';
import { VaeError } from './vae-error.js';

describe('VaeError', () => {
  it('keeps its name, message and cause', () => {
    const cause = new TypeError('inner');
    const error = new VaeError('outer', { cause });
    expect(error.name).toBe('VaeError');
    expect(error.message).toBe('outer');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('recognises branded errors from another copy of the package', () => {
    const foreign = new Error('from a duplicate install');
    Object.defineProperty(foreign, Symbol.for('@vae/core/VaeError'), { value: true });
    expect(VaeError.isInstance(foreign)).toBe(true);
    expect(VaeError.isInstance(new Error('plain'))).toBe(false);
    expect(VaeError.isInstance('a string')).toBe(false);
    expect(VaeError.isInstance(null)).toBe(false);
  });
});
