import { ConfigError } from '../errors/index.js';

/** Formats a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

/** Throws a ConfigError unless `value` is an integer >= `min`. */
export function checkInteger(where: string, field: string, value: unknown, min: number, example: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const expected = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new ConfigError(`${where}: ${field} must be ${expected}, got ${show(value)}. Pass e.g. ${example}.`, {
      field,
      expected,
      got: value,
    });
  }
  return value;
}

/** Throws a ConfigError unless `value` is a finite number in [min, max]. */
export function checkNumber(
  where: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  example: string,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const expected = max === Number.POSITIVE_INFINITY ? `a finite number >= ${min}` : `a number in [${min}, ${max}]`;
    throw new ConfigError(`${where}: ${field} must be ${expected}, got ${show(value)}. Pass e.g. ${example}.`, {
      field,
      expected,
      got: value,
    });
  }
  return value;
}

/** Throws a ConfigError unless `value` is a non-empty array of positive integers. */
export function checkShape(where: string, field: string, value: unknown, example: string): number[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)
  ) {
    const expected = 'a non-empty array of positive integers (the data shape without the batch axis)';
    throw new ConfigError(`${where}: ${field} must be ${expected}, got ${show(value)}. Pass e.g. ${example}.`, {
      field,
      expected,
      got: value,
    });
  }
  return [...value];
}

/** Throws a ConfigError unless `value` is one of `choices`. */
export function checkChoice<T extends string>(where: string, field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    const expected = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
    throw new ConfigError(`${where}: ${field} must be ${expected}, got ${show(value)}.`, {
      field,
      expected,
      got: value,
    });
  }
  return value as T;
}

/** Throws a ConfigError unless `value` is a positive integer or a non-empty array of them; returns an array. */
export function checkIntegerList(where: string, field: string, value: unknown, min: number, example: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    throw new ConfigError(`${where}: ${field} must not be empty. Pass e.g. ${example}.`, {
      field,
      expected: 'a non-empty list',
      got: value,
    });
  }
  list.forEach((v, i) => {
    checkInteger(where, Array.isArray(value) ? `${field}[${i}]` : field, v, min, example);
  });
  return list as number[];
}

/**
 * Merges user options over frozen defaults, ignoring fields that are `undefined`, and rejects
 * unknown fields (a typo like `latentDims` would otherwise be silently ignored).
 */
export function mergeDefaults<T extends object>(where: string, defaults: T, options: object | undefined): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  if (options === undefined || options === null) return out as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `${where}: the config must be an object, got ${show(options)}. Pass e.g. { latentDim: 16 }.`,
      {
        field: 'config',
        expected: 'an object',
        got: options,
      },
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (!(key in defaults)) {
      const known = Object.keys(defaults).join(', ');
      throw new ConfigError(`${where}: unknown option '${key}'. Known options: ${known}.`, {
        field: key,
        expected: `one of ${known}`,
        got: value,
      });
    }
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
