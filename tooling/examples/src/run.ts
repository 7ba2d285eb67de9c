// Runs one example as a program: its `runCode` (the reader's code with the budget substitutions
// of its runner directives applied) is written to .run/<id>.mts inside this package (so `@vae/*`
// and `@tensorflow/*` imports resolve through its node_modules) and executed by Node with the
// tsx loader in a child process whose working directory is a fresh temporary folder (so files an
// example writes, such as `file://./runs/mnist`, land there and are removed afterwards).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Example } from './extract.js';

const require = createRequire(import.meta.url);
const TSX_LOADER = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/loader.mjs')).href;
/** Where the examples are written (gitignored). */
export const RUN_DIR = fileURLToPath(new URL('../.run/', import.meta.url));

/** What one run of an example produced. */
export interface ExampleRun {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
  readonly ms: number;
}

/** The file name an example is written to. */
export function exampleFileName(example: Example): string {
  return `${example.id.replace(/[^A-Za-z0-9]+/g, '_')}.mts`;
}

/** Runs one example; resolves when it exits or is killed after `timeoutMs`. */
export async function runExample(example: Example, timeoutMs = 120_000): Promise<ExampleRun> {
  mkdirSync(RUN_DIR, { recursive: true });
  const file = join(RUN_DIR, exampleFileName(example));
  writeFileSync(file, `// ${example.id}\n${example.runCode}`);
  const cwd = mkdtempSync(join(tmpdir(), 'vae-example-'));
  const started = performance.now();
  try {
    return await new Promise<ExampleRun>((resolve) => {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, file], {
        cwd,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve({ exitCode, timedOut, output, ms: performance.now() - started });
      });
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
