// Shared vitest configuration for every package of the monorepo.
// Each package's vitest.config.ts calls `vaeVitestConfig()` and may extend the result.
import { fileURLToPath } from 'node:url';

const setupFile = fileURLToPath(new URL('./setup.mjs', import.meta.url));

/**
 * The one vitest configuration of the repository: tests beside the sources and under
 * `test/integration`, the cpu backend chosen in one setup file, and a JSON report that
 * `scripts/test.sh` sums into the closing `N passed, N failed` line.
 *
 * @param {{ testTimeout?: number, include?: string[], setupFiles?: string[] }} [overrides]
 */
export function vaeVitestConfig(overrides = {}) {
  return {
    test: {
      environment: 'node',
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [setupFile, ...(overrides.setupFiles ?? [])],
      testTimeout: overrides.testTimeout ?? 120_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts'] },
    },
  };
}
