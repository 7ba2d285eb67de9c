// The one place where the demo chooses a tfjs backend, through @vae/backends' useBackend (which
// loads the backend, installs the wasm training kernels, and checks tfjs really switched).
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, useBackend } from '@vae/backends';
import { ConfigError } from '@vae/core';

/** Backends the CLI accepts for `--backend`. */
export const CLI_BACKENDS = ['auto', 'cpu', 'wasm', 'node', 'node-gpu'] as const;

/** A value of `--backend`. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/** The backend that is active after {@link selectBackend}. */
export interface SelectedBackend {
  /** Our name of it: `'cpu'`, `'wasm'`, `'node'` or `'node-gpu'`. */
  name: BackendName;
  /** What `tf.getBackend()` says. */
  tfjsName: string;
  /** Whether the wasm training kernels (fast conv training) are installed. */
  wasmTrainingKernels: boolean;
  /** Whether their matrix products use fused multiply-adds (WebAssembly relaxed SIMD). */
  fusedMultiplyAdd: boolean;
  /** Backends `'auto'` tried first and could not use, with the reason. */
  skipped: Array<{ backend: string; reason: string }>;
}

// A command-line tool: no tfjs banners or debug warnings on the console.
tf.env().set('PROD', true);

/**
 * Activates the backend a run asked for and checks that tfjs really switched to it.
 * `'auto'` tries node-gpu, node, wasm (with training kernels), cpu and takes the first that starts.
 *
 * @throws BackendError (from @vae/core) naming what to install when a backend cannot start.
 */
export async function selectBackend(choice: string): Promise<SelectedBackend> {
  if (!(CLI_BACKENDS as readonly string[]).includes(choice)) {
    throw new ConfigError(`--backend must be one of ${CLI_BACKENDS.join(', ')}, got '${choice}'.`, {
      field: 'backend',
      expected: CLI_BACKENDS.join(' | '),
      got: choice,
    });
  }
  const active = await useBackend(choice as CliBackend);
  return {
    name: active.name,
    tfjsName: active.tfjsName,
    wasmTrainingKernels: active.wasmTrainingKernels,
    fusedMultiplyAdd: active.fusedMultiplyAdd,
    skipped: active.skipped.map((s) => ({ backend: s.backend, reason: s.error.message })),
  };
}
