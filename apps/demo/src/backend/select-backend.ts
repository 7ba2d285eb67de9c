// The one place where the demo chooses a tfjs backend. It mirrors the shape of
// @vae/backends' useBackend (name, tfjsName, wasmTrainingKernels, skipped) so that switching to
// it is a change of this file alone.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError } from '@vae/core';

/** Backends the CLI accepts for `--backend`. */
export const CLI_BACKENDS = ['auto', 'cpu', 'wasm', 'node', 'node-gpu'] as const;

/** A value of `--backend`. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/** The backend that is active after {@link selectBackend}. */
export interface SelectedBackend {
  /** Our name of it: `'cpu'`, `'wasm'`, `'node'` or `'node-gpu'`. */
  name: Exclude<CliBackend, 'auto'>;
  /** What `tf.getBackend()` says. */
  tfjsName: string;
  /** Whether wasm training kernels (fast conv training) are installed. */
  wasmTrainingKernels: boolean;
  /** Backends `'auto'` tried first and could not use, with the reason. */
  skipped: Array<{ backend: string; reason: string }>;
}

const NATIVE = {
  node: {
    pkg: '@tensorflow/tfjs-node',
    hint: 'Install it with `npm i @tensorflow/tfjs-node@4.22.0` (its install script downloads libtensorflow, so it needs network access at install time), or use --backend wasm, which needs no native code.',
  },
  'node-gpu': {
    pkg: '@tensorflow/tfjs-node-gpu',
    hint: 'Install it with `npm i @tensorflow/tfjs-node-gpu@4.22.0` on Linux x64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1 (the versions it is built against; its install script downloads libtensorflow), or use --backend node / --backend wasm.',
  },
} as const;

// A command-line tool: no tfjs banners or debug warnings on the console.
tf.env().set('PROD', true);

async function activate(name: SelectedBackend['name']): Promise<SelectedBackend> {
  if (name === 'node' || name === 'node-gpu') {
    const { pkg, hint } = NATIVE[name];
    try {
      // A variable specifier: the optional native packages are not dependencies of the demo.
      const specifier: string = pkg;
      await import(specifier);
    } catch (cause) {
      const why = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
      throw new BackendError(`--backend ${name}: could not load ${pkg} (${why}). ${hint}`, { backend: name, cause });
    }
  }
  const tfjsName = name === 'node' || name === 'node-gpu' ? 'tensorflow' : name;
  let ok = false;
  try {
    ok = await tf.setBackend(tfjsName);
    await tf.ready();
  } catch {
    ok = false;
  }
  if (!ok || tf.getBackend() !== tfjsName) {
    throw new BackendError(
      `--backend ${name}: the ${tfjsName} backend did not start (tfjs stayed on '${tf.getBackend()}').`,
      {
        backend: name,
      },
    );
  }
  return { name, tfjsName, wasmTrainingKernels: false, skipped: [] };
}

/**
 * Activates the backend a run asked for and checks that tfjs really switched to it.
 * `'auto'` tries node-gpu, node, wasm, cpu and takes the first that starts.
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
  if (choice !== 'auto') return activate(choice as SelectedBackend['name']);
  const skipped: SelectedBackend['skipped'] = [];
  for (const name of ['node-gpu', 'node', 'wasm', 'cpu'] as const) {
    try {
      return { ...(await activate(name)), skipped };
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      skipped.push({ backend: name, reason: error.message });
    }
  }
  throw new BackendError('--backend auto: no backend started.', { backend: 'auto' });
}
