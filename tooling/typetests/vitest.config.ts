import { vaeVitestConfig } from '@vae/vitest-config';
import { defineConfig } from 'vitest/config';

const config = vaeVitestConfig({ include: ['test/**/*.test.ts'], testTimeout: 300_000 });
// test/compile.test.ts compiles the type tests itself, under both module resolutions and with
// skipLibCheck off, so vitest's own typecheck mode (one tsconfig) stays off here.
export default defineConfig({ ...config, test: { ...config.test, typecheck: { enabled: false } } });
