import { vaeTsupConfig } from '@vae/tsup-config';

export default vaeTsupConfig({
  // `parallel-worker` is the worker thread script that the node entry starts by URL, and
  // `vae-replica` the module those workers import to rebuild a VAE for the worker engine.
  entry: {
    index: 'src/index.ts',
    node: 'src/parallel/index.ts',
    'parallel-worker': 'src/parallel/parallel-worker.ts',
    'vae-replica': 'src/parallel/vae-replica.ts',
  },
  // import.meta.url (used to find the wasm binaries and the worker script) also in the CommonJS build
  shims: true,
});
