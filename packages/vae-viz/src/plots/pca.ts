import { ShapeError } from '@vae/core';

/**
 * Result of {@link pcaProject}.
 *
 * @category Visualization
 */
export interface PcaProjection {
  /** Each input point projected on the components, `[n][components]`. */
  readonly points: number[][];
  /** The principal directions, unit vectors, `[components][dim]`. */
  readonly components: number[][];
  /** Share of the total variance along each component, in `[0, 1]`. */
  readonly explainedVarianceRatio: number[];
}

/**
 * Projects points on their first principal components (centred PCA), for plotting latents with
 * more than two dimensions. Each component's sign is fixed so that its largest entry is positive,
 * which makes the picture reproducible.
 *
 * @param points - `n` points of the same dimension `d >= count`.
 * @param count - Number of components.
 * @returns The projected points, the components and their explained variance ratios.
 * @throws `ShapeError` (from `@vae/core`) when the points are ragged, fewer than two, or of dimension below `count`.
 * @example
 * ```ts
 * import { pcaProject } from '@vae/viz';
 *
 * const { points, explainedVarianceRatio } = pcaProject([[1, 1, 0], [2, 2, 0], [3, 3, 0.1]], 2);
 * ```
 * @category Visualization
 */
export function pcaProject(points: ReadonlyArray<ArrayLike<number>>, count = 2): PcaProjection {
  const n = points.length;
  const d = n > 0 ? points[0]!.length : 0;
  if (n < 2 || d < count || points.some((p) => p.length !== d)) {
    throw new ShapeError(
      `pcaProject: needs at least 2 points of one dimension >= ${count}, got ${n} points of dimension ${d}${points.some((p) => p.length !== d) ? ' (ragged)' : ''}.`,
      { argument: 'points', expected: [null, count], got: [n, d] },
    );
  }
  const mean = new Float64Array(d);
  for (const p of points) for (let j = 0; j < d; j++) mean[j]! += p[j]! / n;
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  for (const p of points) {
    for (let i = 0; i < d; i++) {
      const a = p[i]! - mean[i]!;
      for (let j = i; j < d; j++) cov[i]![j]! += (a * (p[j]! - mean[j]!)) / (n - 1);
    }
  }
  let total = 0;
  for (let i = 0; i < d; i++) {
    total += cov[i]![i]!;
    for (let j = 0; j < i; j++) cov[i]![j] = cov[j]![i]!;
  }
  const { vectors, values } = topEigen(cov, count);
  const components = vectors.map((v) => {
    let largest = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[largest]!)) largest = j;
    return v[largest]! < 0 ? v.map((x) => -x) : v;
  });
  const projected = points.map((p) =>
    components.map((c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (p[j]! - mean[j]!) * c[j]!;
      return s;
    }),
  );
  return {
    points: projected,
    components,
    explainedVarianceRatio: values.map((v) => (total > 0 ? Math.max(0, v) / total : 0)),
  };
}

/** Leading eigenpairs of a symmetric matrix by orthogonal (subspace) iteration. */
function topEigen(matrix: Float64Array[], count: number): { vectors: number[][]; values: number[] } {
  const d = matrix.length;
  let basis = Array.from({ length: count }, (_, k) =>
    Array.from({ length: d }, (_, j) => (j === k ? 1 : 0) + 1e-3 * Math.sin(7 * j + 3 * k + 1)),
  );
  for (let iter = 0; iter < 500; iter++) {
    const next = basis.map((v) => multiply(matrix, v));
    const ortho = gramSchmidt(next);
    const change = ortho.reduce((s, v, k) => s + Math.abs(1 - Math.abs(dot(v, basis[k]!))), 0);
    basis = ortho;
    if (change < 1e-13) break;
  }
  const values = basis.map((v) => dot(v, multiply(matrix, v)));
  const order = values.map((_, k) => k).sort((a, b) => values[b]! - values[a]!);
  return { vectors: order.map((k) => basis[k]!), values: order.map((k) => values[k]!) };
}

function multiply(matrix: Float64Array[], v: number[]): number[] {
  return matrix.map((row) => {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += row[j]! * v[j]!;
    return s;
  });
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

function gramSchmidt(vectors: number[][]): number[][] {
  const out: number[][] = [];
  for (const v of vectors) {
    const w = v.slice();
    for (const u of out) {
      const p = dot(w, u);
      for (let j = 0; j < w.length; j++) w[j]! -= p * u[j]!;
    }
    const norm = Math.sqrt(dot(w, w));
    // A zero column (rank-deficient data): fall back to any unit vector orthogonal to the rest.
    out.push(norm > 1e-300 ? w.map((x) => x / norm) : fallbackUnit(out, w.length));
  }
  return out;
}

function fallbackUnit(existing: number[][], d: number): number[] {
  for (let k = 0; k < d; k++) {
    const e = Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));
    for (const u of existing) {
      const p = dot(e, u);
      for (let j = 0; j < d; j++) e[j]! -= p * u[j]!;
    }
    const norm = Math.sqrt(dot(e, e));
    if (norm > 1e-6) return e.map((x) => x / norm);
  }
  return Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0));
}
