import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ConfigError,
  DatasetError,
  DisposedError,
  EncoderContractError,
  ModelFormatError,
  NonFiniteLossError,
  PersistenceError,
  ShapeError,
} from './errors.js';
import { VAEError } from './vae-error.js';

describe('error subclasses', () => {
  it('carry their structured fields, names and brand', () => {
    const cases: Array<[VAEError, string]> = [
      [new ConfigError('m', { field: 'latentDim', expected: 'a positive integer', got: -2 }), 'ConfigError'],
      [new ShapeError('m', { argument: 'x', expected: [null, 784], got: [3, 10] }), 'ShapeError'],
      [new EncoderContractError('m', { network: 'decoder' }), 'EncoderContractError'],
      [new DisposedError('m', { method: 'encode' }), 'DisposedError'],
      [new DatasetError('m', { source: '/tmp/x.idx' }), 'DatasetError'],
      [new ModelFormatError('m', { location: 'file://x' }), 'ModelFormatError'],
      [new NonFiniteLossError('m', { epoch: 1, batch: 2, value: Number.NaN }), 'NonFiniteLossError'],
      [new BackendError('m', { backend: 'node' }), 'BackendError'],
      [new PersistenceError('m', { location: '/x', reason: 'no-space', code: 'ENOSPC' }), 'PersistenceError'],
    ];
    for (const [error, name] of cases) {
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(VAEError);
      expect(VAEError.isInstance(error)).toBe(true);
    }
    const config = cases[0][0] as ConfigError;
    expect([config.field, config.expected, config.got]).toEqual(['latentDim', 'a positive integer', -2]);
    const shape = cases[1][0] as ShapeError;
    expect(shape.expected).toEqual([null, 784]);
    expect((cases[6][0] as NonFiniteLossError).batch).toBe(2);
    expect(new DatasetError('m').source).toBeUndefined();
  });
});

describe('isInstance per subclass', () => {
  const classes = [
    ConfigError,
    ShapeError,
    EncoderContractError,
    DisposedError,
    DatasetError,
    ModelFormatError,
    NonFiniteLossError,
    BackendError,
    PersistenceError,
  ];
  const samples: VAEError[] = [
    new ConfigError('m', { field: 'f', expected: 'e', got: 1 }),
    new ShapeError('m', { argument: 'x', expected: [null], got: [1] }),
    new EncoderContractError('m', { network: 'encoder' }),
    new DisposedError('m', { method: 'encode' }),
    new DatasetError('m'),
    new ModelFormatError('m'),
    new NonFiniteLossError('m', { epoch: 0, batch: 0, value: Number.NaN }),
    new BackendError('m', { backend: 'cpu' }),
    new PersistenceError('m', { location: '/x', reason: 'other' }),
  ];

  it('X.isInstance is true for X only, and VAEError.isInstance for all of them', () => {
    classes.forEach((cls, i) => {
      samples.forEach((sample, j) => {
        expect(cls.isInstance(sample), `${cls.name}.isInstance(${sample.name})`).toBe(i === j);
      });
    });
    for (const sample of samples) expect(VAEError.isInstance(sample)).toBe(true);
    expect(ShapeError.isInstance(new VAEError('base'))).toBe(false);
    expect(ConfigError.isInstance(new Error('plain'))).toBe(false);
    expect(ConfigError.isInstance(undefined)).toBe(false);
  });

  it('recognises a subclass instance made by another copy of the package by its Symbol.for brand', () => {
    const foreign = new Error('from a duplicate install');
    Object.defineProperty(foreign, Symbol.for('@vae/core/VaeError'), { value: true });
    Object.defineProperty(foreign, Symbol.for('@vae/core/ShapeError'), { value: true });
    expect(ShapeError.isInstance(foreign)).toBe(true);
    expect(VAEError.isInstance(foreign)).toBe(true);
    expect(ConfigError.isInstance(foreign)).toBe(false);
  });
});
