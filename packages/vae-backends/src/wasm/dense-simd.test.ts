import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../test/reference-models.js';
import { denseSimd } from './dense-simd.js';

const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
const heap = new Float32Array(memory.buffer);
const simd = denseSimd(memory);
const normal = seededNormal(21);

describe('denseSimd (on a shared memory)', () => {
  it('binds', () => {
    expect(simd).not.toBeNull();
  });

  it.each([
    ['relu', 0],
    ['leaky relu', 0.2],
    ['linear', 1],
  ])('adds the bias and applies %s, row by row', (_, slope) => {
    const [rows, width, c, bias] = [3, 8, 0, 64];
    const values = normal(rows * width);
    const b = normal(width);
    heap.set(values, c);
    heap.set(b, bias);
    simd?.biasActivation(4 * c, 4 * bias, rows, width, slope);
    for (let i = 0; i < rows * width; i++) {
      const v = Math.fround((values[i] as number) + (b[i % width] as number));
      // (relu of a negative value gives 0 or −0; both are 0.)
      expect((heap[c + i] as number) - (v > 0 ? v : Math.fround(Math.fround(slope) * v))).toBe(0);
    }
  });

  it('computes the Bernoulli gradient and 1 + e^−|l| to float32 accuracy, for large logits too', () => {
    const logits = Float32Array.from([...normal(28).map((v) => 6 * v), 0, -0, 30, -30, 88, -88, 200, -200]);
    const count = logits.length;
    const x = Float32Array.from(logits, (_, i) => (i % 3) / 2);
    const [l, xs, g, one] = [0, 100, 200, 300];
    heap.set(logits, l);
    heap.set(x, xs);
    simd?.bernoulliGradient(4 * l, 4 * xs, 4 * g, 4 * one, count, 0.25);
    for (let i = 0; i < count; i++) {
      const logit = logits[i] as number;
      const e = Math.exp(-Math.abs(logit));
      const sigmoid = 1 / (1 + Math.exp(-logit));
      const want = (sigmoid - (x[i] as number)) * 0.25;
      // sigmoid − x in float32 (as any float32 backend computes it) loses what lies below an ulp of 1.
      expect(Math.abs((heap[g + i] as number) - want), `gradient at ${logit}`).toBeLessThanOrEqual(
        3e-7 * Math.abs(want) + 0.25 * 2 ** -23,
      );
      expect(Math.abs((heap[one + i] as number) - (1 + e)), `1 + e at ${logit}`).toBeLessThanOrEqual(2.5e-7);
    }
  });

  it('passes a gradient through relu and leaky relu by the sign of the output', () => {
    const [g, h, out, count] = [0, 50, 100, 12];
    const grads = normal(count);
    const outputs = Float32Array.from(normal(count), (v, i) => (i % 4 === 0 ? 0 : v));
    heap.set(grads, g);
    heap.set(outputs, h);
    for (const slope of [0, 0.3]) {
      simd?.slopeGradient(4 * g, 4 * h, 4 * out, count, slope);
      for (let i = 0; i < count; i++) {
        const want =
          (outputs[i] as number) > 0 ? (grads[i] as number) : Math.fround(Math.fround(slope) * (grads[i] as number));
        expect((heap[out + i] as number) - want).toBe(0);
      }
    }
  });
});
