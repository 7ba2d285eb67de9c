import { vaeTsupConfig } from '@vae/tsup-config';

export default vaeTsupConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  // No source maps: they would repeat the embedded MNIST module (megabytes of base64).
  sourcemap: false,
  // sharp is an optional peer, loaded on demand by loadImageFolder.
  external: ['sharp'],
});
