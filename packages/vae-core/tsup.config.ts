import { vaeTsupConfig } from '@vae/tsup-config';

export default vaeTsupConfig({
  entry: { index: 'src/index.ts', test: 'src/testing/index.ts', internal: 'src/internal/entry.ts' },
});
