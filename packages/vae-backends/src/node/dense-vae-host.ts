// The main thread's side of the fused dense step: it owns the memory the workers share, writes
// each batch into it, and reads and writes the weights and Adam's state there directly.
import { ConfigError, ShapeError } from '@vae/core';
import type { DenseVaeLayout, DenseVaeSpec } from './dense-vae-spec.js';
import { DENSE_VAE_MAX_BYTES, denseVaeLayout, denseVaeMemory } from './dense-vae-spec.js';
import type { ParallelOptimizerState } from './parallel-trainer.js';
import type { ArrayTensor, DenseAdamConfig } from './protocol.js';

/** Batches up to this many rows fit the first memory; a larger one moves everything to a bigger one. */
const FIRST_CAPACITY = 128;

/** The shared memory of the fused dense step and what the main thread keeps about Adam. */
export class DenseVaeHost {
  layout: DenseVaeLayout;
  memory: WebAssembly.Memory;
  private f: Float32Array;
  /** Adam's step count (tfjs's `iterations`). */
  iterations = 0;
  learningRate: number;

  /**
   * @throws ConfigError when even the first memory would exceed {@link DENSE_VAE_MAX_BYTES}.
   */
  constructor(
    readonly spec: DenseVaeSpec,
    readonly adam: DenseAdamConfig,
    readonly workers: number,
  ) {
    this.learningRate = adam.learningRate;
    this.layout = this.layoutFor(FIRST_CAPACITY);
    this.memory = denseVaeMemory(this.layout);
    this.f = new Float32Array(this.memory.buffer);
  }

  private layoutFor(capacity: number): DenseVaeLayout {
    const layout = denseVaeLayout(this.spec, capacity, this.workers);
    if (layout.bytes > DENSE_VAE_MAX_BYTES) {
      throw new ConfigError(
        `createParallelTrainer: the fused dense step needs ${(layout.bytes / 2 ** 20).toFixed(0)} MiB of shared memory for batches of ${capacity} rows, more than its ${DENSE_VAE_MAX_BYTES / 2 ** 20} MiB limit. Use smaller batches, or fusedDenseVae: false.`,
        { field: 'batch', expected: `at most ${DENSE_VAE_MAX_BYTES} bytes of shared memory`, got: layout.bytes },
      );
    }
    return layout;
  }

  /** Whether a batch of `rows` needs a bigger memory first. */
  needsRoomFor(rows: number): boolean {
    return rows > this.layout.capacity;
  }

  /** Moves to a memory for batches of `rows` (rounded up), keeping the weights and Adam's state. */
  grow(rows: number): void {
    const layout = this.layoutFor(Math.ceil(rows / 64) * 64);
    const memory = denseVaeMemory(layout);
    const f = new Float32Array(memory.buffer);
    // The weights, m and v come first and do not depend on the capacity.
    f.set(this.f.subarray(0, this.layout.grad), 0);
    this.layout = layout;
    this.memory = memory;
    this.f = f;
  }

  /**
   * Writes a batch (`x` and `eps`, nothing else) into the shared memory.
   *
   * @throws ShapeError for other entries or widths that do not fit the spec.
   */
  writeBatch(batch: Record<string, ArrayTensor>, rows: number): void {
    const extra = Object.keys(batch).filter((name) => name !== 'x' && name !== 'eps');
    const widths = { x: this.spec.inputSize, eps: this.spec.latentDim };
    for (const name of ['x', 'eps'] as const) {
      const a = batch[name];
      if (a === undefined || a.values.length !== rows * widths[name] || extra.length > 0) {
        const what =
          extra.length > 0
            ? `an entry '${extra[0]}' it does not use`
            : `'${name}' with ${a?.values.length ?? 'no'} values`;
        throw new ShapeError(
          `ParallelTrainer.step: this replica trains with the fused dense step, whose batch is exactly { x: [rows, ${this.spec.inputSize} values], eps: [rows, ${this.spec.latentDim}] }; got ${what} for ${rows} rows.`,
          { argument: extra[0] ?? name, expected: [rows, widths[name]], got: a?.shape ?? [] },
        );
      }
    }
    this.f.set((batch.x as ArrayTensor).values, this.layout.x);
    this.f.set((batch.eps as ArrayTensor).values, this.layout.eps);
  }

  private region(start: number): Float32Array[] {
    return this.layout.sizes.map((size, k) => {
      const at = start + (this.layout.variable[k] as number);
      return this.f.slice(at, at + size);
    });
  }

  private writeRegion(start: number, values: readonly Float32Array[]): void {
    values.forEach((v, k) => {
      this.f.set(v, start + (this.layout.variable[k] as number));
    });
  }

  /** Copies of the weights, in variable order. */
  weights(): Float32Array[] {
    return this.region(this.layout.params);
  }

  /** Replaces the weights (sizes checked by the caller). */
  setWeights(values: readonly Float32Array[]): void {
    this.writeRegion(this.layout.params, values);
  }

  /** Adam's state as tfjs's `AdamOptimizer` names it: slots `/m` and `/v` of every variable. */
  optimizerState(): ParallelOptimizerState {
    const { beta1, beta2, epsilon } = this.adam;
    return {
      className: 'Adam',
      config: { learningRate: this.learningRate, beta1, beta2, epsilon },
      iterations: this.iterations,
      slots: [
        { suffix: '/m', values: this.region(this.layout.m) },
        { suffix: '/v', values: this.region(this.layout.v) },
      ],
    };
  }

  /**
   * Loads Adam's state (sizes checked by the caller); no slots means a fresh start.
   *
   * @throws ConfigError for another optimizer's state.
   */
  setOptimizerState(state: ParallelOptimizerState): void {
    const suffixes = state.slots.map((s) => s.suffix);
    if (state.className !== 'Adam' || !(suffixes.length === 0 || suffixes.join() === '/m,/v')) {
      throw new ConfigError(
        `ParallelTrainer.setOptimizerState: the fused dense step runs Adam, whose state has slots '/m' and '/v'; got ${state.className} with slots ${JSON.stringify(suffixes)}.`,
        { field: 'state', expected: "Adam with slots '/m', '/v'", got: `${state.className} ${suffixes.join(',')}` },
      );
    }
    const { m, v } = this.layout;
    if (state.slots.length === 0) {
      this.f.fill(0, m, this.layout.grad);
    } else {
      this.writeRegion(m, (state.slots[0] as ParallelOptimizerState['slots'][number]).values);
      this.writeRegion(v, (state.slots[1] as ParallelOptimizerState['slots'][number]).values);
    }
    this.iterations = state.iterations;
  }
}
