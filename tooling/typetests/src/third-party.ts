// Errors the compiler reports inside third-party declarations under these settings. They are not
// ours to fix and every user with `skipLibCheck: false` sees them whatever they import from us;
// they are pinned so that a new one (or one fixed upstream) shows up as a test failure.

/** One known error: the package, the file inside it, the error code, and why. */
export interface KnownThirdPartyError {
  readonly packageName: string;
  readonly path: string;
  readonly code: string;
  readonly count: number;
  readonly reason: string;
}

/**
 * The known errors of tfjs 4.22's declarations. The first two go away without a `types` setting
 * when the package manager hoists tfjs's `@types/*` dependencies (npm does); the last two are
 * tfjs-layers' own.
 */
export const KNOWN_THIRD_PARTY_ERRORS: readonly KnownThirdPartyError[] = [
  {
    packageName: '@tensorflow/tfjs-core',
    path: 'dist/hash_util.d.ts',
    code: 'TS2304',
    count: 2,
    reason:
      "uses the global `Long` of @types/long, which a `types: ['node']` setting leaves out (npm users without `types` get it hoisted)",
  },
  {
    packageName: '@tensorflow/tfjs-backend-wasm',
    path: 'wasm-out/tfjs-backend-wasm.d.ts',
    code: 'TS2304',
    count: 1,
    reason:
      "uses the global `EmscriptenModule` of @types/emscripten, which a `types: ['node']` setting leaves out (npm users without `types` get it hoisted)",
  },
  {
    packageName: '@tensorflow/tfjs-layers',
    path: 'dist/engine/training.d.ts',
    code: 'TS2420',
    count: 1,
    reason:
      "LayersModel's `inputs` have `null` dimensions that tfjs-core's InferenceModel does not allow (strict null checks)",
  },
  {
    packageName: '@tensorflow/tfjs-layers',
    path: 'dist/keras_format/types.d.ts',
    code: 'TS2411',
    count: 1,
    reason: "BaseSerialization's generic `config` does not fit its own index signature (strict)",
  },
];
