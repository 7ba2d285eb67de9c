import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../test/reference-models.js';
import { enableRelaxedSimd } from '../backends/environment.js';
import { blockProduct } from './gemm.js';
import { GEMM_ROWS, type GemmSimd, gemmModuleBytes, relaxedSimdAvailable } from './gemm-simd.js';

const random = seededUniform(11);

/** The block functions of a freshly built module on `memory`, fused or not, A's rows `aRow` bytes apart. */
function build(memory: WebAssembly.Memory, fused: boolean, aRow: number): GemmSimd {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes(fused, aRow)), {
    env: { memory },
  });
  const pick = (prefix: string) =>
    Array.from({ length: GEMM_ROWS + 1 }, (_, mr) => exports[`${prefix}${mr}`] as GemmSimd['wide'][number]);
  return { aRow, wide: pick('wide'), narrow: pick('narrow'), fused };
}

/** `C (+)= A · B` in float64, A `m × k`, B `k × n`, both row-major. */
function reference(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const av = a[i * k + t] as number;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + av * (b[t * n + j] as number);
    }
  }
  return out;
}

const SHAPES = [
  { m: 1, n: 4, k: 1 },
  { m: 4, n: 8, k: 3 },
  { m: 5, n: 12, k: 64 },
  { m: 7, n: 20, k: 65 },
  { m: 9, n: 32, k: 130 },
  { m: 2, n: 4, k: 200 },
  { m: 6, n: 16, k: 7 },
];

describe('SIMD block matrix products', () => {
  it('turns relaxed SIMD on in this Node, so products can use fused multiply-adds', () => {
    expect(enableRelaxedSimd()).toBe(true);
    expect(relaxedSimdAvailable()).toBe(true);
  });

  for (const fused of [false, true]) {
    for (const layout of ['row-major A', 'A stored transposed'] as const) {
      it.each(SHAPES)(
        `${fused ? 'fused' : 'separate'} multiply-adds, ${layout}: C = A·B and C += A·B for $m×$k · $k×$n`,
        ({ m, n, k }) => {
          if (fused) enableRelaxedSimd();
          const memory = new WebAssembly.Memory({ initial: 4 });
          const heap = new Float32Array(memory.buffer);
          const a = Float32Array.from(random(m * k), (v) => v * 2 - 1);
          const b = Float32Array.from(random(k * n), (v) => v * 2 - 1);
          const c0 = Float32Array.from(random(m * n), (v) => v * 2 - 1);
          // Heap layout (float offsets): A at 0, B after it, C after B, each 16-byte aligned.
          const [aAt, bAt] = [0, Math.ceil((m * k) / 4) * 4];
          const cAt = bAt + Math.ceil((k * n) / 4) * 4;
          const transposed = layout === 'A stored transposed';
          for (let i = 0; i < m; i++) {
            for (let t = 0; t < k; t++) heap[aAt + (transposed ? t * m + i : i * k + t)] = a[i * k + t] as number;
          }
          heap.set(b, bAt);
          const gemm = build(memory, fused, transposed ? 4 : 4 * k);
          const aStep = transposed ? 4 * m : 4;
          for (const accumulate of [false, true]) {
            heap.set(c0, cAt);
            blockProduct(gemm, aAt * 4, aStep, bAt * 4, cAt * 4, m, n, k, accumulate);
            const expected = reference(a, b, accumulate ? c0 : new Float32Array(m * n), m, n, k);
            const scale = expected.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
            let error = 0;
            for (let i = 0; i < m * n; i++)
              error = Math.max(error, Math.abs((heap[cAt + i] as number) - (expected[i] as number)));
            expect(error / scale, `accumulate ${accumulate}`).toBeLessThan(2e-6);
          }
          // Nothing written past C.
          expect(heap[cAt + m * n]).toBe(0);
        },
      );
    }
  }
});
