import { describe, expect, it } from 'vitest';
import { ConfigError, VAEError } from '../errors/index.js';
import { TensorAssertionError } from './assertions.js';

describe('TensorAssertionError.isInstance', () => {
  it('tells a TensorAssertionError from other VAEErrors, as every error class does', () => {
    const assertion = new TensorAssertionError('expected 1, got 2');
    const config = new ConfigError('bad', { field: 'x', expected: 'y', got: 'z' });
    expect(TensorAssertionError.isInstance(assertion)).toBe(true);
    expect(TensorAssertionError.isInstance(config)).toBe(false);
    expect(VAEError.isInstance(assertion)).toBe(true);
  });
});
