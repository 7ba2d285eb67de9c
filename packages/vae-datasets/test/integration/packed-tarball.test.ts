// Packs this package as npm would publish it, unpacks the tarball into a fresh folder, and loads
// the embedded MNIST from the unpacked files, from ESM and from CommonJS: the embedded digits
// must survive `pnpm pack` (they are built into dist/, not read from the source tree).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = join(__dirname, '..', '..');
let folder: string;
let files: string[];

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'vae-datasets-pack-'));
  const out = execFileSync('pnpm', ['pack', '--pack-destination', folder], { cwd: packageDir, encoding: 'utf8' });
  const tarball = out.trim().split('\n').pop()!.trim();
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  execFileSync('tar', ['-xzf', tarball, '-C', folder]);
  // Dependencies (@vae/core, tfjs) resolve from this package's own node_modules.
  symlinkSync(join(packageDir, 'node_modules'), join(folder, 'node_modules'), 'dir');
}, 60_000);
afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function run(file: string, code: string): string {
  writeFileSync(join(folder, file), code);
  return execFileSync(process.execPath, [file], { cwd: folder, encoding: 'utf8', stdio: 'pipe' }).trim();
}

describe('the packed tarball', () => {
  it('ships dist (with the embedded digits) and no sources or tests', () => {
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/node.cjs');
    expect(files.some((f) => /dist\/embedded-mnist\.gen-.*\.js$/.test(f))).toBe(true);
    expect(files.some((f) => f.includes('/src/') || f.includes('/test/') || f.includes('/scripts/'))).toBe(false);
  });

  it('loads the embedded MNIST from ESM and CommonJS', () => {
    const check = (load: string) =>
      `${load}\nconst { train, test } = await m.loadMnist();\nconst { pixels } = await m.loadEmbeddedMnistArrays();\n` +
      'let sum = 0; for (const p of pixels) sum += p;\nconsole.log(JSON.stringify([train.size, test.size, train.elementShape, sum]));\n';
    const esm = run(
      'esm.mjs',
      check("import '@tensorflow/tfjs-backend-cpu';\nconst m = await import('./package/dist/index.js');"),
    );
    const cjs = run(
      'cjs.mjs',
      check(
        "import { createRequire } from 'node:module';\nconst m = createRequire(import.meta.url)('./package/dist/index.cjs');",
      ),
    );
    const [trainSize, testSize, shape, sum] = JSON.parse(esm) as [number, number, number[], number];
    expect([trainSize, testSize, shape]).toEqual([8000, 2000, [28, 28, 1]]);
    expect(sum).toBeGreaterThan(0);
    expect(cjs).toBe(esm);
  });
});
