import { ConfigError } from '../errors/index.js';

/**
 * Where training stands when a schedule is asked for its value.
 *
 * @category Training
 */
export interface ScheduleProgress {
  /** Optimizer steps taken before this one, over the whole run (0 at the first batch). */
  step: number;
  /** The current epoch, 0-based. */
  epoch: number;
}

/**
 * A value that changes during training: a learning rate or a KL weight.
 *
 * Schedules are pure functions of {@link ScheduleProgress}, so a resumed run sees exactly the
 * values an uninterrupted run would have seen.
 *
 * @category Training
 */
export interface Schedule {
  /** The schedule's kind, e.g. `'piecewiseConstant'`. */
  readonly kind: string;
  /** Whether the schedule counts optimizer steps or epochs. */
  readonly unit: ScheduleUnit;
  /**
   * The value at a point of training.
   *
   * @param progress - The step and epoch about to be trained.
   * @returns The value for that step.
   */
  valueAt(progress: ScheduleProgress): number;
}

/**
 * What a schedule counts: optimizer `'step'`s (batches) or `'epoch'`s.
 *
 * @category Training
 */
export type ScheduleUnit = 'step' | 'epoch';

function position(progress: ScheduleProgress, unit: ScheduleUnit): number {
  return unit === 'epoch' ? progress.epoch : progress.step;
}

function requireFinite(where: string, field: string, value: unknown, expected = 'a finite number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`${where}: ${field} must be ${expected}, got ${String(value)}.`, {
      field,
      expected,
      got: value,
    });
  }
  return value;
}

function requirePositiveInteger(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${where}: ${field} must be a positive integer, got ${String(value)}.`, {
      field,
      expected: 'a positive integer',
      got: value,
    });
  }
  return value;
}

function requireUnit(where: string, unit: unknown): ScheduleUnit {
  if (unit !== 'step' && unit !== 'epoch') {
    throw new ConfigError(`${where}: unit must be 'step' or 'epoch', got ${JSON.stringify(unit)}.`, {
      field: 'unit',
      expected: "'step' or 'epoch'",
      got: unit,
    });
  }
  return unit;
}

/**
 * A schedule that always returns `value`.
 *
 * @param value - The constant value.
 * @returns A {@link Schedule}.
 * @throws {@link ConfigError} when `value` is not finite.
 * @example
 * ```ts
 * import { constantSchedule } from '@vae/core';
 *
 * console.log(constantSchedule(1e-3).valueAt({ step: 100, epoch: 3 })); // 0.001
 * ```
 * @category Training
 */
export function constantSchedule(value: number): Schedule {
  const v = requireFinite('constantSchedule', 'value', value);
  return Object.freeze({ kind: 'constant', unit: 'step' as const, valueAt: () => v });
}

/**
 * Options of {@link piecewiseConstant}.
 *
 * @category Training
 */
export interface PiecewiseConstantOptions {
  /** Increasing step (or epoch) numbers at which the value changes. */
  boundaries: number[];
  /** One more value than boundaries: `values[i]` applies before `boundaries[i]`, the last one after. */
  values: number[];
  /**
   * Whether boundaries count steps or epochs.
   * @defaultValue `'step'`
   */
  unit?: ScheduleUnit;
}

/**
 * A schedule that is constant between boundaries, e.g. 1e-3 for 20 epochs, then 1e-4.
 *
 * The value is `values[i]` for positions `p` with `boundaries[i-1] <= p < boundaries[i]`.
 *
 * @param options - Boundaries, values and unit.
 * @returns A {@link Schedule}.
 * @throws {@link ConfigError} when boundaries are not increasing or the lengths do not match.
 * @example
 * ```ts
 * import { piecewiseConstant } from '@vae/core';
 *
 * const lr = piecewiseConstant({ boundaries: [20], values: [1e-3, 1e-4], unit: 'epoch' });
 * console.log(lr.valueAt({ step: 0, epoch: 19 }), lr.valueAt({ step: 0, epoch: 20 })); // 0.001 0.0001
 * ```
 * @category Training
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const where = 'piecewiseConstant';
  const unit = requireUnit(where, options.unit ?? 'step');
  const boundaries = [...(options.boundaries ?? [])];
  const values = [...(options.values ?? [])];
  if (values.length !== boundaries.length + 1) {
    throw new ConfigError(
      `${where}: values must have one more entry than boundaries, got ${values.length} values for ${boundaries.length} boundaries. ` +
        'Pass e.g. { boundaries: [20], values: [1e-3, 1e-4] }.',
      { field: 'values', expected: `${boundaries.length + 1} values`, got: values.length },
    );
  }
  boundaries.forEach((b, i) => {
    requireFinite(where, `boundaries[${i}]`, b);
    if (i > 0 && b <= (boundaries[i - 1] as number)) {
      throw new ConfigError(`${where}: boundaries must increase, got ${boundaries.join(', ')}.`, {
        field: 'boundaries',
        expected: 'strictly increasing numbers',
        got: boundaries,
      });
    }
  });
  values.forEach((v, i) => {
    requireFinite(where, `values[${i}]`, v);
  });
  return Object.freeze({
    kind: 'piecewiseConstant',
    unit,
    valueAt(progress: ScheduleProgress): number {
      const p = position(progress, unit);
      let i = 0;
      while (i < boundaries.length && p >= (boundaries[i] as number)) i++;
      return values[i] as number;
    },
  });
}

/**
 * Options of {@link exponentialDecay}.
 *
 * @category Training
 */
export interface ExponentialDecayOptions {
  /** The value at position 0. */
  initial: number;
  /** The factor applied every `decaySteps` positions, in (0, 1] for a decay. */
  decayRate: number;
  /** Positions (steps or epochs) over which the value is multiplied by `decayRate`. */
  decaySteps: number;
  /**
   * Decay in whole multiples of `decaySteps` (a staircase) instead of smoothly.
   * @defaultValue `false`
   */
  staircase?: boolean;
  /**
   * Whether positions count steps or epochs.
   * @defaultValue `'step'`
   */
  unit?: ScheduleUnit;
}

/**
 * Exponential decay: `initial * decayRate ^ (p / decaySteps)` (with `floor` when `staircase`).
 *
 * @param options - Initial value, rate, period, staircase and unit.
 * @returns A {@link Schedule}.
 * @throws {@link ConfigError} for non-finite values or a non-positive period.
 * @example
 * ```ts
 * import { exponentialDecay } from '@vae/core';
 *
 * const lr = exponentialDecay({ initial: 1e-3, decayRate: 0.5, decaySteps: 100 });
 * console.log(lr.valueAt({ step: 100, epoch: 0 })); // 0.0005
 * ```
 * @category Training
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const where = 'exponentialDecay';
  const initial = requireFinite(where, 'initial', options.initial);
  const rate = requireFinite(where, 'decayRate', options.decayRate);
  if (rate <= 0) {
    throw new ConfigError(`${where}: decayRate must be positive, got ${rate}.`, {
      field: 'decayRate',
      expected: 'a positive number',
      got: rate,
    });
  }
  const period = requirePositiveInteger(where, 'decaySteps', options.decaySteps);
  const staircase = options.staircase ?? false;
  const unit = requireUnit(where, options.unit ?? 'step');
  return Object.freeze({
    kind: 'exponentialDecay',
    unit,
    valueAt(progress: ScheduleProgress): number {
      const ratio = position(progress, unit) / period;
      return initial * rate ** (staircase ? Math.floor(ratio) : ratio);
    },
  });
}

/**
 * Options of {@link cosineDecay}.
 *
 * @category Training
 */
export interface CosineDecayOptions {
  /** The value at the start (after any warm-up). */
  initial: number;
  /** Positions over which the value falls from `initial` to `initial * alpha`. */
  decaySteps: number;
  /**
   * The final value as a fraction of `initial`.
   * @defaultValue `0`
   */
  alpha?: number;
  /**
   * Positions of linear warm-up before the decay starts: position `p < warmupSteps` gets
   * `initial * (p + 1) / (warmupSteps + 1)`.
   * @defaultValue `0`
   */
  warmupSteps?: number;
  /**
   * Whether positions count steps or epochs.
   * @defaultValue `'step'`
   */
  unit?: ScheduleUnit;
}

/**
 * Cosine decay (Loshchilov & Hutter 2017) with an optional linear warm-up:
 * `initial * (alpha + (1 - alpha) * (1 + cos(pi * t)) / 2)` with `t` going from 0 to 1 over
 * `decaySteps`, then held at `initial * alpha`.
 *
 * @param options - Initial value, period, floor, warm-up and unit.
 * @returns A {@link Schedule}.
 * @throws {@link ConfigError} for non-finite values, a non-positive period or alpha outside [0, 1].
 * @example
 * ```ts
 * import { cosineDecay } from '@vae/core';
 *
 * const lr = cosineDecay({ initial: 1e-3, decaySteps: 1000 });
 * console.log(lr.valueAt({ step: 500, epoch: 0 })); // 0.0005
 * ```
 * @see {@link https://arxiv.org/abs/1608.03983 | SGDR: Stochastic Gradient Descent with Warm Restarts}
 * @category Training
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const where = 'cosineDecay';
  const initial = requireFinite(where, 'initial', options.initial);
  const period = requirePositiveInteger(where, 'decaySteps', options.decaySteps);
  const alpha = requireFinite(where, 'alpha', options.alpha ?? 0);
  if (alpha < 0 || alpha > 1) {
    throw new ConfigError(`${where}: alpha must lie in [0, 1], got ${alpha}.`, {
      field: 'alpha',
      expected: 'a number in [0, 1]',
      got: alpha,
    });
  }
  const warmup = requireFinite(where, 'warmupSteps', options.warmupSteps ?? 0);
  if (warmup < 0 || !Number.isInteger(warmup)) {
    throw new ConfigError(`${where}: warmupSteps must be a non-negative integer, got ${warmup}.`, {
      field: 'warmupSteps',
      expected: 'a non-negative integer',
      got: warmup,
    });
  }
  const unit = requireUnit(where, options.unit ?? 'step');
  return Object.freeze({
    kind: 'cosineDecay',
    unit,
    valueAt(progress: ScheduleProgress): number {
      const p = position(progress, unit);
      if (p < warmup) return (initial * (p + 1)) / (warmup + 1);
      const t = Math.min(1, (p - warmup) / period);
      return initial * (alpha + ((1 - alpha) * (1 + Math.cos(Math.PI * t))) / 2);
    },
  });
}

/**
 * Options of {@link linearKlWarmup}.
 *
 * @category Training
 */
export interface LinearKlWarmupOptions {
  /** Positions (steps or epochs) over which the KL weight rises from `start` to `end`. */
  duration: number;
  /**
   * The KL weight at position 0.
   * @defaultValue `0`
   */
  start?: number;
  /**
   * The KL weight reached after `duration` and kept afterwards.
   * @defaultValue `1`
   */
  end?: number;
  /**
   * Whether positions count steps or epochs.
   * @defaultValue `'step'`
   */
  unit?: ScheduleUnit;
}

/**
 * KL warm-up (annealing): the weight on the KL term rises linearly from `start` to `end` over
 * `duration` positions, then stays at `end`. Weight at position `p`:
 * `start + (end - start) * min(1, p / duration)`.
 *
 * @param options - Duration, start, end and unit.
 * @returns A {@link Schedule} for the `klWarmup` option of `fit`.
 * @throws {@link ConfigError} for a non-positive duration or non-finite weights.
 * @example
 * ```ts
 * import { linearKlWarmup } from '@vae/core';
 *
 * const warmup = linearKlWarmup({ duration: 10, unit: 'epoch' });
 * console.log(warmup.valueAt({ step: 0, epoch: 5 })); // 0.5
 * ```
 * @see {@link https://arxiv.org/abs/1511.06349 | Bowman et al. 2016, Generating Sentences from a Continuous Space}
 * @category Training
 */
export function linearKlWarmup(options: LinearKlWarmupOptions): Schedule {
  const where = 'linearKlWarmup';
  const duration = requirePositiveInteger(where, 'duration', options.duration);
  const start = requireFinite(where, 'start', options.start ?? 0);
  const end = requireFinite(where, 'end', options.end ?? 1);
  const unit = requireUnit(where, options.unit ?? 'step');
  return Object.freeze({
    kind: 'linearKlWarmup',
    unit,
    valueAt(progress: ScheduleProgress): number {
      return start + (end - start) * Math.min(1, position(progress, unit) / duration);
    },
  });
}

/**
 * Options of {@link cyclicalKlWarmup}.
 *
 * @category Training
 */
export interface CyclicalKlWarmupOptions {
  /** Positions (steps or epochs) in one cycle. */
  cycleLength: number;
  /**
   * Fraction of each cycle spent rising from `start` to `end`; the rest holds `end`.
   * @defaultValue `0.5`
   */
  ratio?: number;
  /**
   * The KL weight at the start of each cycle.
   * @defaultValue `0`
   */
  start?: number;
  /**
   * The KL weight at the top of each cycle.
   * @defaultValue `1`
   */
  end?: number;
  /**
   * Whether positions count steps or epochs.
   * @defaultValue `'step'`
   */
  unit?: ScheduleUnit;
}

/**
 * Cyclical KL annealing (Fu et al. 2019): within each cycle of `cycleLength` positions the weight
 * rises linearly from `start` to `end` during the first `ratio` of the cycle, then holds `end`.
 *
 * @param options - Cycle length, ratio, start, end and unit.
 * @returns A {@link Schedule} for the `klWarmup` option of `fit`.
 * @throws {@link ConfigError} for a non-positive cycle or a ratio outside (0, 1].
 * @example
 * ```ts
 * import { cyclicalKlWarmup } from '@vae/core';
 *
 * const warmup = cyclicalKlWarmup({ cycleLength: 100, ratio: 0.5 });
 * console.log(warmup.valueAt({ step: 25, epoch: 0 }), warmup.valueAt({ step: 100, epoch: 0 })); // 0.5 0
 * ```
 * @see {@link https://arxiv.org/abs/1903.10145 | Fu et al. 2019, Cyclical Annealing Schedule}
 * @category Training
 */
export function cyclicalKlWarmup(options: CyclicalKlWarmupOptions): Schedule {
  const where = 'cyclicalKlWarmup';
  const cycle = requirePositiveInteger(where, 'cycleLength', options.cycleLength);
  const ratio = requireFinite(where, 'ratio', options.ratio ?? 0.5);
  if (ratio <= 0 || ratio > 1) {
    throw new ConfigError(`${where}: ratio must lie in (0, 1], got ${ratio}.`, {
      field: 'ratio',
      expected: 'a number in (0, 1]',
      got: ratio,
    });
  }
  const start = requireFinite(where, 'start', options.start ?? 0);
  const end = requireFinite(where, 'end', options.end ?? 1);
  const unit = requireUnit(where, options.unit ?? 'step');
  const rise = cycle * ratio;
  return Object.freeze({
    kind: 'cyclicalKlWarmup',
    unit,
    valueAt(progress: ScheduleProgress): number {
      const inCycle = position(progress, unit) % cycle;
      return start + (end - start) * Math.min(1, inCycle / rise);
    },
  });
}

/**
 * Internal: turns `fit`'s number-or-schedule options into a schedule.
 *
 * @param value - A constant or a {@link Schedule}.
 * @param field - The option's name, for error messages.
 * @returns A {@link Schedule}.
 * @throws {@link ConfigError} when `value` is neither (or a non-finite number).
 */
export function resolveSchedule(value: number | Schedule, field: string): Schedule {
  if (typeof value === 'number') {
    requireFinite('fit', field, value);
    return constantSchedule(value);
  }
  if (value && typeof value === 'object' && typeof (value as Schedule).valueAt === 'function') return value;
  throw new ConfigError(
    `fit: ${field} must be a number or a schedule (e.g. piecewiseConstant(...)), got ${String(value)}.`,
    { field, expected: 'a number or a Schedule', got: value },
  );
}
