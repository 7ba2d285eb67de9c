import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ConfigError,
  DatasetError,
  DisposedError,
  EncoderContractError,
  ModelFormatError,
  NonFiniteLossError,
  ShapeError,
} from './errors.js';
import { VaeError } from './vae-error.js';

describe('error subclasses', () => {
  it('carry their structured fields, names and brand', () => {
    const cases: Array<[VaeError, string]> = [
      [new ConfigError('m', { field: 'latentDim', expected: 'a positive integer', got: -2 }), 'ConfigError'],
      [new ShapeError('m', { argument: 'x', expected: [null, 784], got: [3, 10] }), 'ShapeError'],
      [new EncoderContractError('m', { network: 'decoder' }), 'EncoderContractError'],
      [new DisposedError('m', { method: 'encode' }), 'DisposedError'],
      [new DatasetError('m', { source: '/tmp/x.idx' }), 'DatasetError'],
      [new ModelFormatError('m', { location: 'file://x' }), 'ModelFormatError'],
      [new NonFiniteLossError('m', { epoch: 1, batch: 2, value: Number.NaN }), 'NonFiniteLossError'],
      [new BackendError('m', { backend: 'node' }), 'BackendError'],
    ];
    for (const [error, name] of cases) {
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(VaeError);
      expect(VaeError.isInstance(error)).toBe(true);
    }
    const config = cases[0][0] as ConfigError;
    expect([config.field, config.expected, config.got]).toEqual(['latentDim', 'a positive integer', -2]);
    const shape = cases[1][0] as ShapeError;
    expect(shape.expected).toEqual([null, 784]);
    expect((cases[6][0] as NonFiniteLossError).batch).toBe(2);
    expect(new DatasetError('m').source).toBeUndefined();
  });
});
