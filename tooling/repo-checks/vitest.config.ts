import { vaeVitestConfig } from '@vae/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(vaeVitestConfig({ testTimeout: 600_000 }));
