import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', test: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  treeshake: false,
});
