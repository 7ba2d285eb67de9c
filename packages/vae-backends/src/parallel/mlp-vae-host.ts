// The main thread's side of the fused MLP step: it owns the memory the workers share, writes
// each batch into it, and reads and writes the weights and Adam's state there directly.
import { BackendError, ConfigError, ShapeError } from '@vae/core';
import { ADAM_CLASSES } from '../optimizers/vae-adam.js';
import type { MlpVAELayout, MlpVAESpec } from './mlp-vae-spec.js';
import { MLP_VAE_MAX_BYTES, mlpVAELayout, mlpVAEMemory, writeMlpBatch } from './mlp-vae-spec.js';
import type { ParallelOptimizerState } from './parallel-trainer.js';
import type { ArrayTensor, MlpAdamConfig } from './protocol.js';

/** Batches up to this many rows fit the first memory; a larger one moves everything to a bigger one. */
const FIRST_CAPACITY = 128;

/** The shared memory of the fused MLP step and what the main thread keeps about Adam. */
export class MlpVAEHost {
  layout: MlpVAELayout;
  memory: WebAssembly.Memory;
  private f: Float32Array;
  /** Adam's step count (tfjs's `iterations`). */
  iterations = 0;
  learningRate: number;

  /**
   * The host of `spec`'s fused step for `workers`, or `null` when its first memory (batches of
   * up to 128 rows) would exceed {@link MLP_VAE_MAX_BYTES} or cannot be allocated.
   */
  static tryCreate(spec: MlpVAESpec, adam: MlpAdamConfig, workers: number): MlpVAEHost | null {
    try {
      return new MlpVAEHost(spec, adam, workers);
    } catch (error) {
      // Over the limit (layoutFor), or the engine could not allocate it.
      if (error instanceof ConfigError || error instanceof RangeError) return null;
      throw error;
    }
  }

  private constructor(
    readonly spec: MlpVAESpec,
    readonly adam: MlpAdamConfig,
    readonly workers: number,
  ) {
    this.learningRate = adam.learningRate;
    this.layout = this.layoutFor(FIRST_CAPACITY);
    this.memory = mlpVAEMemory(this.layout);
    this.f = new Float32Array(this.memory.buffer);
  }

  private layoutFor(capacity: number): MlpVAELayout {
    const layout = mlpVAELayout(this.spec, capacity, this.workers);
    if (layout.bytes > MLP_VAE_MAX_BYTES) {
      throw new ConfigError(
        `createParallelTrainer: the fused MLP step needs ${(layout.bytes / 2 ** 20).toFixed(0)} MiB of shared memory for batches of ${capacity} rows, more than its ${MLP_VAE_MAX_BYTES / 2 ** 20} MiB limit. Use smaller batches, or strategy: 'autodiff'.`,
        { field: 'batch', expected: `at most ${MLP_VAE_MAX_BYTES} bytes of shared memory`, got: layout.bytes },
      );
    }
    return layout;
  }

  /** Whether a batch of `rows` needs a bigger memory first. */
  needsRoomFor(rows: number): boolean {
    return rows > this.layout.capacity;
  }

  /**
   * Moves to a memory for batches of `rows` (rounded up), keeping the weights and Adam's state.
   *
   * @throws ConfigError when that memory would exceed {@link MLP_VAE_MAX_BYTES}.
   * @throws BackendError when it cannot be allocated.
   */
  grow(rows: number): void {
    const layout = this.layoutFor(Math.ceil(rows / 64) * 64);
    let memory: WebAssembly.Memory;
    try {
      memory = mlpVAEMemory(layout);
    } catch (error) {
      throw new BackendError(
        `ParallelTrainer.step: could not allocate ${(layout.bytes / 2 ** 20).toFixed(0)} MiB of shared memory for the fused MLP step's batches of ${rows} rows (${String(error)}). Use smaller batches, or strategy: 'autodiff'.`,
        { backend: 'wasm', cause: error },
      );
    }
    const f = new Float32Array(memory.buffer);
    // The weights, m and v come first and do not depend on the capacity.
    f.set(this.f.subarray(0, this.layout.grad), 0);
    this.layout = layout;
    this.memory = memory;
    this.f = f;
  }

  /**
   * Writes a batch (`x` and `eps`, and `labels` for a conditional spec: class ids `[rows]` or
   * `[rows, conditionWidth]` values) into the shared memory.
   *
   * @throws ShapeError for other entries or sizes that do not fit the spec, or class ids out of range.
   */
  writeBatch(batch: Record<string, ArrayTensor>, rows: number): void {
    const condition = this.spec.conditionWidth ?? 0;
    const names = condition > 0 ? ['x', 'eps', 'labels'] : ['x', 'eps'];
    const widths: Record<string, number> = { x: this.spec.inputSize, eps: this.spec.latentDim, labels: condition };
    const wanted = `{ x: [rows, ${this.spec.inputSize} values], eps: [rows, ${this.spec.latentDim}]${condition > 0 ? `, labels: [rows] class ids or [rows, ${condition}]` : ''} }`;
    const fail = (what: string, name: string, got: number[]): never => {
      throw new ShapeError(
        `ParallelTrainer.step: this replica trains with the fused MLP step, whose batch is exactly ${wanted}; got ${what} for ${rows} rows.`,
        { argument: name, expected: [rows, widths[name] ?? 0], got },
      );
    };
    const extra = Object.keys(batch).find((name) => !names.includes(name));
    if (extra !== undefined) fail(`an entry '${extra}' it does not use`, extra, batch[extra]?.shape ?? []);
    for (const name of names) {
      const a = batch[name];
      const ids = name === 'labels' && a?.shape.length === 1 && a.values.length === rows;
      if (a === undefined || (!ids && a.values.length !== rows * (widths[name] as number))) {
        fail(`'${name}' with ${a?.values.length ?? 'no'} values`, name, a?.shape ?? []);
      }
    }
    let oneHot: Float32Array | undefined;
    const labels = batch.labels;
    if (condition > 0 && labels !== undefined) {
      // Class ids (as core's resolveLabels reads a rank-1 tensor) become one-hot rows.
      if (labels.shape.length === 1) {
        oneHot = new Float32Array(rows * condition);
        for (let r = 0; r < rows; r++) {
          const id = labels.values[r] as number;
          if (!(Number.isInteger(id) && id >= 0 && id < condition)) {
            fail(`class id ${id} in 'labels' (ids must be integers in [0, ${condition - 1}])`, 'labels', [rows]);
          }
          oneHot[r * condition + id] = 1;
        }
      } else oneHot = labels.values;
    }
    writeMlpBatch(
      this.f,
      this.layout,
      this.spec,
      rows,
      (batch.x as ArrayTensor).values,
      (batch.eps as ArrayTensor).values,
      oneHot,
    );
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
      className: 'VAEAdam',
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
    if (!ADAM_CLASSES.includes(state.className) || !(suffixes.length === 0 || suffixes.join() === '/m,/v')) {
      throw new ConfigError(
        `ParallelTrainer.setOptimizerState: the fused MLP step runs Adam, whose state has slots '/m' and '/v'; got ${state.className} with slots ${JSON.stringify(suffixes)}.`,
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
