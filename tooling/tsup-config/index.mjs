// Shared tsup configuration for every published package of the monorepo.
// Each package's tsup.config.ts calls `vaeTsupConfig({ entry })` with its entries and the few
// options where it differs (shims, externals, source maps). Plain data: tsup's `defineConfig`
// only types its argument, so this module imports nothing at run time.

/**
 * The one build of the repository: ESM and CommonJS with `.d.ts`/`.d.cts` beside them, for ES2022,
 * a clean `dist` each time, source maps, and no tree shaking (the packages are libraries whose
 * users' bundlers shake them).
 *
 * @param {import('tsup').Options & { entry: Record<string, string> }} options
 */
export function vaeTsupConfig(options) {
  return {
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    treeshake: false,
    ...options,
  };
}
