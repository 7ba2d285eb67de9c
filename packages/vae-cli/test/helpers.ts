import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (`pnpm build` makes it; the test script builds first). */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** What a finished CLI process printed, and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of child processes: no pnpm/npm variables that could steer paths. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  return env;
}

/** Starts the CLI in `cwd` without waiting for it. */
export function startCli(args: readonly string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the CLI to the end. */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const child = startCli(args, cwd);
  return collect(child);
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Waits until the CLI's stdout shows `pattern` (a step it has printed, so training has begun),
 * then sends it SIGINT. Rejects if the CLI exits first.
 */
export function interruptWhen(child: ChildProcess, pattern: RegExp): Promise<void> {
  let seen = '';
  return new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) resolve();
    });
    child.on('exit', () => reject(new Error(`the CLI exited before training started:\n${seen}`)));
  }).then(() => {
    child.kill('SIGINT');
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'vae-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes a JSON file and returns its path. */
export async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/**
 * Makes a folder of small generated colour images, PNG and JPEG mixed (smooth gradients with a
 * coloured disc, different per image), for the cars128 preset.
 */
export async function makeImageFolder(dir: string, count: number): Promise<void> {
  const { default: sharp } = await import('sharp');
  for (let i = 0; i < count; i++) {
    const width = 40 + (i % 5) * 4;
    const height = 32 + (i % 3) * 4;
    const pixels = Buffer.alloc(width * height * 3);
    const cx = (i * 7) % width;
    const cy = (i * 5) % height;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < 100;
        pixels[o] = inside ? 230 : Math.round((255 * x) / width);
        pixels[o + 1] = inside ? 40 : Math.round((255 * y) / height);
        pixels[o + 2] = (i * 37) % 256;
      }
    }
    const image = sharp(pixels, { raw: { width, height, channels: 3 } });
    if (i % 2 === 0) await image.png().toFile(join(dir, `car-${i}.png`));
    else await image.jpeg({ quality: 90 }).toFile(join(dir, `car-${i}.jpg`));
  }
}
