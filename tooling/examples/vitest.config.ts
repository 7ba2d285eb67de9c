import { vaeVitestConfig } from '@vae/vitest-config';
import { defineConfig } from 'vitest/config';

const config = vaeVitestConfig({ testTimeout: 300_000, include: ['test/**/*.test.ts'] });
// Examples run in child processes; two at a time keeps both cores busy.
export default defineConfig({ ...config, test: { ...config.test, maxConcurrency: 2 } });
