import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRepo } from '../../../scripts/check-deps.mjs';

const repoRoot = join(__dirname, '..', '..', '..');
let fixture: string;

function write(path: string, text: string): void {
  const full = join(fixture, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

function pkg(dir: string, name: string, deps: Record<string, string> = {}): void {
  write(`${dir}/package.json`, JSON.stringify({ name, dependencies: deps }));
}

function goodRepo(): void {
  fixture = mkdtempSync(join(tmpdir(), 'vae-deps-'));
  pkg('packages/vae-core', '@vae/core');
  write('packages/vae-core/src/index.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const a = tf;\n");
  pkg('packages/vae-viz', '@vae/viz', { '@vae/core': 'workspace:^' });
  write('packages/vae-viz/src/index.ts', "import { VAEError } from '@vae/core';\nexport { VAEError };\n");
  pkg('packages/vae-backends', '@vae/backends', { '@vae/core': 'workspace:^' });
  write(
    'packages/vae-backends/src/index.ts',
    "export async function use() { const tf = await import('@tensorflow/tfjs-core'); await import('@tensorflow/tfjs-node'); return tf.setBackend('tensorflow'); }\n",
  );
}

afterEach(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

describe('check-deps', () => {
  it('passes on this repository', () => {
    expect(checkRepo(repoRoot)).toEqual([]);
  });

  it('passes on a well-layered fixture', () => {
    goodRepo();
    expect(checkRepo(fixture)).toEqual([]);
  });

  it('fails when core imports a package above it', () => {
    goodRepo();
    write('packages/vae-core/src/bad.ts', "import { grid } from '@vae/viz';\nexport const g = grid;\n");
    const problems: string[] = checkRepo(fixture);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/@vae\/core may not import @vae\/viz/);
  });

  it('fails on a forbidden package.json edge', () => {
    goodRepo();
    pkg('packages/vae-core', '@vae/core', { '@vae/viz': 'workspace:^' });
    expect(checkRepo(fixture).join('\n')).toMatch(/@vae\/core may not depend on @vae\/viz/);
  });

  it('fails when a library imports the tfjs bundle, tfjs-node or calls setBackend', () => {
    goodRepo();
    write('packages/vae-viz/src/a.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n");
    write('packages/vae-viz/src/b.ts', "export const n = () => import('@tensorflow/tfjs-node');\n");
    write(
      'packages/vae-viz/src/c.ts',
      "import * as tf from '@tensorflow/tfjs-core';\nexport const s = () => tf.setBackend('cpu');\n",
    );
    const text = checkRepo(fixture).join('\n');
    expect(text).toMatch(/never the @tensorflow\/tfjs bundle/);
    expect(text).toMatch(/only @vae\/backends may load @tensorflow\/tfjs-node/);
    expect(text).toMatch(/only @vae\/backends may call setBackend/);
  });

  it('fails on a relative import that reaches into another package', () => {
    goodRepo();
    write('packages/vae-viz/src/d.ts', "export { a } from '../../vae-core/src/index';\n");
    expect(checkRepo(fixture).join('\n')).toMatch(/leaves the package/);
  });

  it("lets a package's tests, not its sources, import the repository's scripts", () => {
    goodRepo();
    write('scripts/pack.mjs', 'export const packAll = () => ({});\n');
    write(
      'packages/vae-viz/test/pack.test.ts',
      "import { packAll } from '../../../scripts/pack.mjs';\nexport { packAll };\n",
    );
    expect(checkRepo(fixture)).toEqual([]);
    write('packages/vae-viz/src/pack.ts', "export { packAll } from '../../../scripts/pack.mjs';\n");
    expect(checkRepo(fixture)).toEqual([
      "packages/vae-viz/src/pack.ts: relative import '../../../scripts/pack.mjs' leaves the package; import the other package by its npm name.",
    ]);
  });

  it('fails on an import of an allowed package that is not declared', () => {
    goodRepo();
    pkg('packages/vae-viz', '@vae/viz');
    expect(checkRepo(fixture).join('\n')).toMatch(/does not declare it/);
  });

  it('lets the CLI use every library and apps/demo use the CLI, and nothing else depend on the CLI', () => {
    goodRepo();
    const libraries = ['@vae/core', '@vae/layers', '@vae/datasets', '@vae/viz', '@vae/backends'];
    pkg('packages/vae-cli', '@vae/cli', Object.fromEntries(libraries.map((l) => [l, 'workspace:^'])));
    write(
      'packages/vae-cli/src/cli.ts',
      `${libraries.map((l, i) => `import * as m${i} from '${l}';`).join('\n')}\nexport const all = [m0, m1, m2, m3, m4];\n`,
    );
    pkg('apps/demo', '@vae/demo', { '@vae/cli': 'workspace:^' });
    expect(checkRepo(fixture)).toEqual([]);

    pkg('packages/vae-viz', '@vae/viz', { '@vae/core': 'workspace:^', '@vae/cli': 'workspace:^' });
    write('packages/vae-backends/src/f.ts', "export const presets = () => import('@vae/cli');\n");
    const text = checkRepo(fixture).join('\n');
    expect(text).toMatch(/@vae\/viz may not depend on @vae\/cli \(dependencies\)/);
    expect(text).toMatch(/@vae\/backends may not import @vae\/cli/);
  });

  it('ignores imports in comments', () => {
    goodRepo();
    write(
      'packages/vae-core/src/e.ts',
      "// import { x } from '@vae/viz';\n/* setBackend('cpu') */\nexport const e = 1;\n",
    );
    expect(checkRepo(fixture)).toEqual([]);
  });
});
