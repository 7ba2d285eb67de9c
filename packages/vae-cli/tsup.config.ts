import { vaeTsupConfig } from '@vae/tsup-config';

export default vaeTsupConfig({
  // An application: one ESM bundle for Node with the shebang of the `vae` bin, no types.
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  dts: false,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
