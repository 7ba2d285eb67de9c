import { vaeVitestConfig } from '@vae/vitest-config';
import { defineConfig } from 'vitest/config';

export default defineConfig(vaeVitestConfig());
