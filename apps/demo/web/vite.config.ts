import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The browser demo: `pnpm demo:web` serves it on 127.0.0.1; `vite build` writes dist-web/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist-web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
