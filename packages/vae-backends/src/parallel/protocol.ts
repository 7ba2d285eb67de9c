// Messages between the parallel trainer (main thread) and its workers.
import type { MlpVAESpec } from './mlp-vae-spec.js';

/**
 * One named array of a batch as plain data, rows along the first axis.
 *
 * @category Parallel training
 */
export interface ArrayTensor {
  /** The values, row-major. */
  values: Float32Array;
  /** The shape, `[rows, ...]`; its product equals `values.length`. */
  shape: number[];
}

export type ToWorker =
  | {
      type: 'init';
      replica: string;
      replicaOptions: unknown;
      backend: string;
      index: number;
      workers: number;
    }
  | { type: 'buffers'; gradients: SharedArrayBuffer; control: SharedArrayBuffer; norms: SharedArrayBuffer }
  | {
      type: 'step';
      batch: Record<string, ArrayTensor>;
      weights: number[];
      generation: number;
      learningRate?: number;
      scalars?: Record<string, number>;
      clipNorm?: number;
    }
  | { type: 'dense-memory'; memory: WebAssembly.Memory; capacity: number }
  | {
      type: 'dense-step';
      generation: number;
      rows: number;
      learningRate: number;
      klWeight: number;
      iteration: number;
      clipNorm?: number;
    }
  | { type: 'get-weights' }
  | { type: 'set-weights'; values: Float32Array[] }
  | { type: 'get-optimizer' }
  | { type: 'set-optimizer'; iterations: number; groups: OptimizerGroup[] }
  | { type: 'dispose' };

/** One per-variable slot kind of an optimizer (Adam: `/m`, then `/v`), values by variable index. */
export interface OptimizerGroup {
  /** The name suffix after the variable's name, e.g. `/m`. */
  suffix: string;
  /** Values by variable index; a worker sends (and reads) only the variables it owns. */
  values: Record<number, Float32Array>;
}

/** Adam's settings in a worker's replica, for the fused MLP step. */
export interface MlpAdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export type FromWorker =
  | {
      type: 'ready';
      sizes: number[];
      shapes: number[][];
      backend: string;
      /** Present when the replica declares an MLP VAE the fused step can run (wasm, Adam). */
      dense?: { spec: MlpVAESpec; adam: MlpAdamConfig };
      /** Why the fused step cannot run although the replica declares an MLP VAE. */
      mlpReason?: string;
    }
  | { type: 'dense-ready'; ok: boolean }
  | { type: 'buffers-ok' }
  | { type: 'stepped'; loss: number; metrics: Record<string, number> }
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'weights-set' }
  | {
      type: 'optimizer';
      className: string;
      config: Record<string, unknown>;
      iterations: number;
      owned: number[];
      groups: OptimizerGroup[];
    }
  | { type: 'optimizer-set' }
  | { type: 'disposed' }
  | { type: 'failed'; message: string; name: string; stack?: string };
