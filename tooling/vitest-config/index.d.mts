import type { ViteUserConfig } from 'vitest/config';

/** Overrides accepted by {@link vaeVitestConfig}. */
export interface VAEVitestOverrides {
  testTimeout?: number;
  include?: string[];
  setupFiles?: string[];
}

/** The shared vitest configuration of the repository. */
export function vaeVitestConfig(overrides?: VAEVitestOverrides): ViteUserConfig;
