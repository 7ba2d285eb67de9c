import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, ConfigError, setDefaultTrainingEngine } from '@vae/core';
import { autoEngine } from '../engines/plan.js';
import { vaeAdamInThreadEngine } from '../engines/worker-engine.js';
import { registerCpuKernelFixes } from '../wasm/cpu-fixes.js';
import { relaxedSimdAvailable } from '../wasm/gemm-simd.js';
import { registerWasmTrainingKernels, wasmTrainingKernelsInstalled } from '../wasm/register-wasm-training-kernels.js';
import { checkWasmBackend } from '../wasm/wasm-internals.js';
import {
  BACKEND_NAMES,
  BACKEND_PACKAGE,
  type BackendChoice,
  type BackendName,
  BROWSER_AUTO_ORDER,
  NODE_AUTO_ORDER,
  TFJS_NAME,
  TFJS_VERSION,
} from './backend-names.js';
import { enableRelaxedSimd, isNode } from './environment.js';
import { checkTfjsVersion } from './tfjs-version.js';
import { resolveWasmPaths, WASM_BINARY_NAMES, type WasmPaths, wasmBinaryName, wasmBinaryUrl } from './wasm-binaries.js';
import { explainWasmStartFailure, type WasmFetch } from './wasm-binary-check.js';

/**
 * Settings for {@link useBackend}.
 *
 * @category Backends
 */
export interface UseBackendOptions {
  /**
   * Where the wasm binaries live: a folder prefix ending in `/` (every binary is fetched from
   * it), or a URL for each of `tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm` and
   * `tfjs-backend-wasm-threaded-simd.wasm`, as tfjs's `setWasmPaths` takes. Vite and webpack 5
   * builds need none: the default is found by the bundler. Pass it without a bundler, or to serve
   * the binaries from elsewhere (a CDN).
   *
   * @defaultValue in Node, the folder of the installed `@tensorflow/tfjs-backend-wasm`; in a
   * browser, the binaries' URLs in the build output, which Vite and webpack 5 fill in from
   * `new URL('@tensorflow/tfjs-backend-wasm/dist/…', import.meta.url)` in this package
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Install this package's wasm training kernels ({@link registerWasmTrainingKernels}) when the
   * wasm backend is chosen. Without them a conv model cannot train on wasm. `false` does not
   * remove kernels installed earlier.
   *
   * @defaultValue `true`
   */
  trainingKernels?: boolean;
  /**
   * Let the wasm training kernels' matrix products use fused multiply-adds (WebAssembly relaxed
   * SIMD), about 1.3× faster than separate multiplies and adds. Node 22 and later and Chromium
   * browsers have relaxed SIMD on already; in Node 20 this turns on V8's
   * `--experimental-wasm-relaxed-simd` flag for the process (it changes nothing for WebAssembly
   * modules that do not use relaxed instructions). `false` leaves the flag alone; the products
   * then use separate multiplies and adds where relaxed SIMD is off. It takes effect before the
   * first matrix product on the wasm backend.
   *
   * @defaultValue `true`
   */
  relaxedSimd?: boolean;
  /**
   * The engine `vae.fit` uses from now on when its `engine` option is left out: `'auto'` asks
   * {@link planTraining} at each `fit` which engine trains the model fastest (two worker threads
   * for MLP, conv and LSTM VAEs on wasm in Node; in-thread otherwise), `'in-thread'` always trains
   * on this thread (with {@link VAEAdam}). Either way the choice is recorded in the history.
   *
   * @defaultValue `'auto'`
   */
  trainingEngine?: 'auto' | 'in-thread';
  /**
   * The backends `'auto'` tries, fastest first.
   *
   * @defaultValue in Node `['node-gpu', 'node', 'wasm', 'cpu']`; in a browser
   * `['webgpu', 'webgl', 'wasm', 'cpu']`
   */
  candidates?: readonly BackendName[];
}

/**
 * One backend `'auto'` tried and could not use.
 *
 * @category Backends
 */
export interface BackendAttempt {
  /** The backend that was tried. */
  readonly backend: BackendName;
  /** Why it could not be used. */
  readonly error: BackendError;
}

/**
 * The backend {@link useBackend} activated.
 *
 * @category Backends
 */
export interface ActiveBackend {
  /** Our name of the backend that is active now. */
  readonly name: BackendName;
  /** tfjs's name of it, as `tf.getBackend()` returns it (`'tensorflow'` for both native ones). */
  readonly tfjsName: string;
  /** Whether this package's wasm training kernels are installed (always `false` off wasm). */
  readonly wasmTrainingKernels: boolean;
  /**
   * Whether WebAssembly relaxed SIMD is available, so the wasm training kernels' matrix products
   * use fused multiply-adds (always `false` off wasm). See {@link UseBackendOptions.relaxedSimd}.
   */
  readonly fusedMultiplyAdd: boolean;
  /** The backends `'auto'` tried before this one, and why each failed; empty otherwise. */
  readonly skipped: readonly BackendAttempt[];
}

function installHint(name: BackendName): string {
  const pkg = `${BACKEND_PACKAGE[name]}@${TFJS_VERSION}`;
  switch (name) {
    case 'node':
      return `Install it with \`npm i ${pkg}\` (its install script downloads libtensorflow, so it needs network access at install time), or use useBackend('wasm'), which needs no native code.`;
    case 'node-gpu':
      return `Install it with \`npm i ${pkg}\` on Linux x64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1 (the versions tfjs-node-gpu ${TFJS_VERSION} is built against; its install script downloads libtensorflow), or use useBackend('node') / useBackend('wasm').`;
    case 'webgl':
      return `Install it with \`npm i ${pkg}\`; it runs in a browser with WebGL (a headless Chromium works), not in plain Node.${importHint(name)}`;
    case 'webgpu':
      return `Install it with \`npm i ${pkg}\`; it runs in a browser that exposes navigator.gpu, not in plain Node.${importHint(name)}`;
    default:
      return `Install it with \`npm i ${pkg}\` (one copy, the same version as @tensorflow/tfjs-core).`;
  }
}

/** In a browser: the app can import an optional browser backend itself, which always works. */
function importHint(name: 'webgl' | 'webgpu'): string {
  if (isNode()) return '';
  return ` If it is installed, add \`import '${BACKEND_PACKAGE[name]}';\` to your app before useBackend (webpack does not bundle optional backends by itself).`;
}

async function loadPackage(name: BackendName): Promise<void> {
  // Vite sees the literal specifiers and bundles the optional browser backends that are
  // installed (a missing one becomes a module that throws). webpack fails a build on any import
  // it cannot resolve, so it is told to leave these alone: the native packages never run in a
  // browser, and a webpack app imports the browser backend it wants itself (registered below).
  switch (name) {
    case 'cpu':
    case 'wasm':
      return; // dependencies of this package, imported above
    case 'node':
      await import(/* webpackIgnore: true */ '@tensorflow/tfjs-node');
      return;
    case 'node-gpu':
      await import(/* webpackIgnore: true */ '@tensorflow/tfjs-node-gpu');
      return;
    case 'webgl':
      if (tf.findBackendFactory('webgl') === null) {
        await import(/* webpackIgnore: true */ '@tensorflow/tfjs-backend-webgl');
      }
      return;
    case 'webgpu':
      if (tf.findBackendFactory('webgpu') === null) {
        await import(/* webpackIgnore: true */ '@tensorflow/tfjs-backend-webgpu');
      }
      return;
  }
}

/**
 * Gives tfjs the binaries' location (it reads it when the wasm backend first starts; later calls
 * change nothing) and returns it, for the error message if the backend does not start. Never
 * `tf.findBackend('wasm')` here: that starts the backend, before the paths are set.
 */
function prepareWasm(options: UseBackendOptions): WasmPaths | undefined {
  const paths = resolveWasmPaths(options.wasmPaths, import.meta.url);
  if (typeof paths === 'object') {
    const missing = WASM_BINARY_NAMES.filter((name) => typeof paths[name] !== 'string');
    if (missing.length > 0) {
      throw new ConfigError(
        `useBackend('wasm'): options.wasmPaths has no URL for ${missing.join(', ')}. Give a URL for each of ${WASM_BINARY_NAMES.join(', ')}, or a folder prefix ending in '/' that holds all three.`,
        { field: 'options.wasmPaths', expected: `a URL for each of ${WASM_BINARY_NAMES.join(', ')}`, got: paths },
      );
    }
  }
  if (paths === undefined) return undefined;
  try {
    setWasmPaths(paths as Parameters<typeof setWasmPaths>[0]);
  } catch (cause) {
    // tfjs-backend-wasm refuses new paths once a start has failed in this page or process.
    throw new BackendError(
      `useBackend('wasm'): the wasm backend already failed to start in this page or process (an earlier useBackend, or a tfjs call before it, such as tf.ready() or making a tensor, which starts wasm from tfjs's own default location), and tfjs-backend-wasm cannot start it again. Call useBackend('wasm') before any other tfjs call, fix what the first failure named, and reload.`,
      { backend: 'wasm', cause },
    );
  }
  return paths;
}

/**
 * Why the wasm backend did not start, in a browser (where the package is bundled, so a missing
 * install is not the cause): what fetching its binary gives. `undefined` in Node.
 */
async function wasmStartFailure(paths: WasmPaths | undefined): Promise<string | undefined> {
  if (isNode()) return undefined;
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as Promise<boolean>,
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as Promise<boolean>,
  ]);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const url = wasmBinaryUrl(paths, wasmBinaryName(simd, threads), base);
  const fetchImpl = (globalThis as { fetch?: WasmFetch }).fetch;
  return explainWasmStartFailure({ url, fetch: fetchImpl?.bind(globalThis) });
}

/**
 * After a failed switch tfjs keeps the failed backend's name and would start it again at the next
 * operation (for wasm: fetch the binary again). Goes back to the backend that was active, or to
 * `cpu` when none was, and returns the name tfjs is on.
 */
async function leaveFailedBackend(before: string | undefined, failed: string): Promise<string> {
  const target = before && before !== failed ? before : 'cpu';
  try {
    await tf.setBackend(target);
  } catch {
    // the message names whatever tfjs is on
  }
  return tf.getBackend();
}

async function activate(name: BackendName, options: UseBackendOptions): Promise<ActiveBackend> {
  try {
    await loadPackage(name);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new BackendError(
      `useBackend('${name}'): could not load ${BACKEND_PACKAGE[name]} (${why}). ${installHint(name)}`,
      { backend: name, cause },
    );
  }
  if (name === 'cpu') registerCpuKernelFixes();
  let wasmPaths: WasmPaths | undefined;
  if (name === 'wasm') {
    if (options.trainingKernels ?? true) registerWasmTrainingKernels();
    if (options.relaxedSimd ?? true) enableRelaxedSimd();
    wasmPaths = prepareWasm(options);
  }
  const tfjsName = TFJS_NAME[name];
  const before = tf.getBackend() as string | undefined; // undefined while tfjs has chosen none
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(tfjsName);
    if (ok) await tf.ready();
  } catch (error) {
    cause = error;
  }
  // setBackend can report failure by returning false and quietly stay on another backend.
  if (!ok || tf.getBackend() !== tfjsName) {
    const active = await leaveFailedBackend(before, tfjsName);
    const stayed = `useBackend('${name}'): the ${tfjsName} backend did not start (tfjs is on '${active}')`;
    const wasmWhy = name === 'wasm' ? await wasmStartFailure(wasmPaths) : undefined;
    const message = wasmWhy === undefined ? `${stayed}. ${installHint(name)}` : `${stayed}: ${wasmWhy}`;
    throw new BackendError(message, { backend: name, cause });
  }
  return {
    name,
    tfjsName,
    wasmTrainingKernels: name === 'wasm' && wasmTrainingKernelsInstalled(),
    fusedMultiplyAdd: name === 'wasm' && wasmTrainingKernelsInstalled() && relaxedSimdAvailable(),
    skipped: [],
  };
}

/**
 * Loads and activates a TensorFlow.js backend, checks that tfjs really switched to it, and makes
 * `vae.fit` train with the fastest engine for each model ({@link autoEngine}; see
 * {@link UseBackendOptions.trainingEngine}).
 *
 * `'auto'` tries the fastest backends first and takes the first that starts: in Node
 * node-gpu, node, wasm (with this package's training kernels), cpu; in a browser webgpu,
 * webgl, wasm, cpu. The optional native and browser backends are loaded with a dynamic
 * `import()` only when asked for. In Node the wasm binaries are found in the installed
 * `@tensorflow/tfjs-backend-wasm` package. For `'cpu'` it also replaces tfjs-backend-cpu 4.22's
 * `ResizeNearestNeighborGrad` (the gradient of `UpSampling2D`), which is wrong for every image
 * of a batch after the first, with a correct one.
 *
 * @param backend - The backend to activate, or `'auto'`.
 * @param options - Wasm binary location, training kernels, candidates for `'auto'`.
 * @returns Which backend is active, and whether the wasm training kernels are installed.
 * @throws `BackendError` (from `@vae/core`) when the backend's package is missing or it does not
 * start; the message says what to install (for `'node-gpu'`: CUDA 11.2 and cuDNN 8.1 on Linux
 * x64). With `'auto'` only when no candidate starts.
 * @throws `ConfigError` (from `@vae/core`) for an unknown backend name.
 * @throws `BackendError` when the installed tfjs packages are not the release this package was
 * tested with ({@link TESTED_TFJS_VERSION}), naming both versions.
 * @example
 * ```ts
 * import { useBackend } from '@vae/backends';
 *
 * const active = await useBackend('auto');
 * console.log(active.name, active.wasmTrainingKernels); // e.g. 'wasm' true
 * ```
 * @category Backends
 */
export async function useBackend(backend: BackendChoice, options: UseBackendOptions = {}): Promise<ActiveBackend> {
  if (backend !== 'auto' && !BACKEND_NAMES.includes(backend)) {
    throw new ConfigError(
      `useBackend: unknown backend ${JSON.stringify(backend)}. Pass one of 'auto', ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}.`,
      { field: 'backend', expected: `'auto' or one of ${BACKEND_NAMES.join(', ')}`, got: backend },
    );
  }
  const engine = options.trainingEngine ?? 'auto';
  if (engine !== 'auto' && engine !== 'in-thread') {
    throw new ConfigError(`useBackend: trainingEngine must be 'auto' or 'in-thread', got ${JSON.stringify(engine)}.`, {
      field: 'trainingEngine',
      expected: "'auto' or 'in-thread'",
      got: engine,
    });
  }
  // Our kernels and fixes read members of tfjs's backends that only the tested release is known to have.
  checkTfjsVersion();
  const active = await choose(backend, options);
  if (active.name === 'wasm' && active.wasmTrainingKernels) checkWasmBackend(tf.backend());
  setDefaultTrainingEngine(engine === 'auto' ? autoEngine() : vaeAdamInThreadEngine());
  return active;
}

async function choose(backend: BackendChoice, options: UseBackendOptions): Promise<ActiveBackend> {
  if (backend !== 'auto') return activate(backend, options);

  const candidates = options.candidates ?? (isNode() ? NODE_AUTO_ORDER : BROWSER_AUTO_ORDER);
  for (const name of candidates) {
    if (!BACKEND_NAMES.includes(name)) {
      throw new ConfigError(
        `useBackend('auto'): unknown candidate ${JSON.stringify(name)} in options.candidates. Use names from ${BACKEND_NAMES.join(', ')}.`,
        { field: 'options.candidates', expected: `names from ${BACKEND_NAMES.join(', ')}`, got: name },
      );
    }
  }
  const skipped: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const active = await activate(name, options);
      return { ...active, skipped };
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      skipped.push({ backend: name, error });
    }
  }
  throw new BackendError(
    `useBackend('auto'): none of ${candidates.join(', ')} started. ${skipped.map((s) => s.error.message).join(' ')}`,
    { backend: 'auto' },
  );
}
