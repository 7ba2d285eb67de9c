import { ConfigError, type InterpolationMethod } from '@vae/core';

/**
 * Points between `a` and `b`, both ends included: `steps` codes at `t = 0, 1/(steps-1), ..., 1`.
 *
 * `'spherical'` (slerp) follows the great circle between the directions of `a` and `b` while its
 * norm goes linearly from `|a|` to `|b|`, which keeps the norm of Gaussian codes typical along the
 * way; when the directions are (anti)parallel or a code is zero it falls back to the straight line.
 * The method is `@vae/core`'s {@link @vae/core!InterpolationMethod}, as in `interpolateLatents`.
 *
 * @param a - Start code, `[latentDim]`.
 * @param b - End code, `[latentDim]`.
 * @param steps - Number of codes, at least 2.
 * @param method - `'linear'` or `'spherical'`.
 * @returns `steps` new arrays of length `latentDim`.
 * @throws `ConfigError` (from `@vae/core`) when `steps < 2`, the lengths differ, or the method is unknown.
 * @example
 * ```ts
 * import { interpolateCodes } from '@vae/viz';
 *
 * interpolateCodes([0, 0], [2, 4], 3, 'linear'); // [[0, 0], [1, 2], [2, 4]]
 * ```
 * @category Visualization
 */
export function interpolateCodes(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  steps: number,
  method: InterpolationMethod = 'linear',
): number[][] {
  const where = 'interpolateCodes';
  if (!(Number.isInteger(steps) && steps >= 2)) {
    throw new ConfigError(`${where}: steps must be an integer >= 2, got ${String(steps)}. Pass e.g. { steps: 8 }.`, {
      field: 'options.steps',
      expected: 'an integer >= 2',
      got: steps,
    });
  }
  if (a.length !== b.length) {
    throw new ConfigError(`${where}: a and b must have the same length, got ${a.length} and ${b.length}.`, {
      field: 'b',
      expected: `length ${a.length}`,
      got: b.length,
    });
  }
  if (method !== 'linear' && method !== 'spherical') {
    const hint = (method as unknown) === 'slerp' ? " Spherical interpolation is called 'spherical'." : '';
    throw new ConfigError(`${where}: method must be 'linear' or 'spherical', got ${String(method)}.${hint}`, {
      field: 'options.method',
      expected: "'linear' or 'spherical'",
      got: method,
    });
  }
  return Array.from({ length: steps }, (_, s) => interpolateAt(a, b, s / (steps - 1), method));
}

/** The point at fraction `t` of the way from `a` to `b` (inputs already checked). */
export function interpolateAt(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  t: number,
  method: InterpolationMethod,
): number[] {
  const n = a.length;
  const code = new Array<number>(n);
  let normA = 0;
  let normB = 0;
  let dot = 0;
  for (let i = 0; i < n; i++) {
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
    dot += a[i]! * b[i]!;
  }
  normA = Math.sqrt(normA);
  normB = Math.sqrt(normB);
  const cos = normA > 0 && normB > 0 ? Math.min(1, Math.max(-1, dot / (normA * normB))) : 1;
  const omega = Math.acos(cos);
  if (method === 'spherical' && Math.sin(omega) > 1e-6) {
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega) / normA;
    const wb = Math.sin(t * omega) / Math.sin(omega) / normB;
    const norm = (1 - t) * normA + t * normB;
    for (let i = 0; i < n; i++) code[i] = norm * (wa * a[i]! + wb * b[i]!);
  } else {
    for (let i = 0; i < n; i++) code[i] = (1 - t) * a[i]! + t * b[i]!;
  }
  return code;
}
