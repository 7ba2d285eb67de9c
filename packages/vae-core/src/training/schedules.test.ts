import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import {
  constantSchedule,
  cosineDecay,
  cyclicalKlWarmup,
  exponentialDecay,
  linearKlWarmup,
  piecewiseConstant,
  resolveSchedule,
} from './schedules.js';

const at = (step: number, epoch = 0) => ({ step, epoch });

describe('learning-rate schedules', () => {
  it('constant', () => {
    expect(constantSchedule(0.01).valueAt(at(1234, 9))).toBe(0.01);
  });

  it('piecewise constant by epoch: 1e-3 then 1e-4', () => {
    const s = piecewiseConstant({ boundaries: [20], values: [1e-3, 1e-4], unit: 'epoch' });
    expect([0, 19, 20, 50].map((e) => s.valueAt(at(999, e)))).toEqual([1e-3, 1e-3, 1e-4, 1e-4]);
  });

  it('piecewise constant by step with several boundaries', () => {
    const s = piecewiseConstant({ boundaries: [10, 20], values: [3, 2, 1] });
    expect([0, 9, 10, 19, 20, 1000].map((p) => s.valueAt(at(p)))).toEqual([3, 3, 2, 2, 1, 1]);
  });

  it('exponential decay, smooth and staircase', () => {
    const smooth = exponentialDecay({ initial: 1, decayRate: 0.5, decaySteps: 10 });
    expect(smooth.valueAt(at(0))).toBe(1);
    expect(smooth.valueAt(at(5))).toBeCloseTo(Math.SQRT1_2, 12);
    expect(smooth.valueAt(at(20))).toBeCloseTo(0.25, 12);
    const stairs = exponentialDecay({ initial: 1, decayRate: 0.5, decaySteps: 10, staircase: true });
    expect([9, 10, 19, 20].map((p) => stairs.valueAt(at(p)))).toEqual([1, 0.5, 0.5, 0.25]);
  });

  it('cosine decay: start, middle, end and after', () => {
    const s = cosineDecay({ initial: 2, decaySteps: 100, alpha: 0.1 });
    expect(s.valueAt(at(0))).toBeCloseTo(2, 12);
    expect(s.valueAt(at(50))).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 12);
    expect(s.valueAt(at(100))).toBeCloseTo(0.2, 12);
    expect(s.valueAt(at(500))).toBeCloseTo(0.2, 12);
  });

  it('cosine decay with warm-up rises linearly first', () => {
    const s = cosineDecay({ initial: 1, decaySteps: 10, warmupSteps: 3 });
    expect([0, 1, 2].map((p) => s.valueAt(at(p)))).toEqual([0.25, 0.5, 0.75]);
    expect(s.valueAt(at(3))).toBeCloseTo(1, 12);
  });

  it('rejects bad configurations with ConfigError naming the field', () => {
    expect(() => piecewiseConstant({ boundaries: [10], values: [1] })).toThrow(/values must have one more entry/);
    expect(() => piecewiseConstant({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/boundaries must increase/);
    expect(() => exponentialDecay({ initial: 1, decayRate: 0.5, decaySteps: 0 })).toThrow(
      /decaySteps must be a positive integer, got 0/,
    );
    expect(() => cosineDecay({ initial: 1, decaySteps: 10, alpha: 2 })).toThrow(/alpha must lie in \[0, 1\], got 2/);
    expect(() => constantSchedule(Number.NaN)).toThrow(ConfigError);
    try {
      exponentialDecay({ initial: 1, decayRate: -1, decaySteps: 10 });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe('decayRate');
    }
    expect(() => resolveSchedule('fast' as unknown as number, 'learningRate')).toThrow(
      /learningRate must be a number or a schedule/,
    );
    expect(() => piecewiseConstant({ boundaries: [1], values: [1, 2], unit: 'batch' as 'step' })).toThrow(
      /unit must be 'step' or 'epoch'/,
    );
  });
});

describe('KL warm-up', () => {
  it('linear warm-up from 0 to 1 over 10 steps, then flat', () => {
    const s = linearKlWarmup({ duration: 10 });
    expect([0, 1, 5, 10, 11, 1000].map((p) => s.valueAt(at(p)))).toEqual([0, 0.1, 0.5, 1, 1, 1]);
  });

  it('linear warm-up by epoch with custom ends', () => {
    const s = linearKlWarmup({ duration: 4, start: 0.2, end: 1, unit: 'epoch' });
    const values = [0, 2, 4].map((e) => s.valueAt(at(77, e)));
    [0.2, 0.6, 1].forEach((v, i) => {
      expect(values[i]).toBeCloseTo(v, 12);
    });
  });

  it('cyclical: rises over ratio of each cycle, holds, restarts', () => {
    const s = cyclicalKlWarmup({ cycleLength: 8, ratio: 0.5 });
    const values = Array.from({ length: 17 }, (_, p) => s.valueAt(at(p)));
    expect(values).toEqual([0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 0]);
  });

  it('rejects a bad ratio', () => {
    expect(() => cyclicalKlWarmup({ cycleLength: 8, ratio: 0 })).toThrow(/ratio must lie in \(0, 1\], got 0/);
    expect(() => linearKlWarmup({ duration: -1 })).toThrow(/duration must be a positive integer, got -1/);
  });
});
