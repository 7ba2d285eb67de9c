// Packs the published packages with `pnpm pack` and installs the tarballs into a fresh npm project,
// the way a user's `npm i @vae/core` gets them. Used by the tests that check what users install
// (tooling/repo-checks, the CLI package, the example apps); also runnable by hand:
//
//   node scripts/pack-tarballs.mjs <folder>     packs every published package into <folder>
//
// Every package under packages/ whose package.json is not private is packed; `pnpm pack` replaces
// the `workspace:` ranges with the real versions.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The published packages: `{ name, version, dir }` for each non-private package under packages/. */
export function publishedPackages() {
  const root = join(repoRoot, 'packages');
  return readdirSync(root)
    .map((entry) => join(root, entry))
    .filter((dir) => {
      try {
        readFileSync(join(dir, 'package.json'));
        return true;
      } catch {
        return false;
      }
    })
    .map((dir) => ({ dir, ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter((pkg) => pkg.private !== true)
    .map((pkg) => ({ name: pkg.name, version: pkg.version, dir: pkg.dir }));
}

/**
 * Packs every published package into `destination` (created if missing) and returns the tarball
 * path of each, by package name. The packages must be built first (`pnpm run build`).
 */
export function packAll(destination) {
  mkdirSync(destination, { recursive: true });
  const tarballs = {};
  for (const pkg of publishedPackages()) {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
      cwd: pkg.dir,
      encoding: 'utf8',
    });
    const file = out.trim().split('\n').pop()?.trim() ?? '';
    if (!file.endsWith('.tgz')) throw new Error(`pnpm pack in ${pkg.dir} printed no tarball path: ${out}`);
    tarballs[pkg.name] = file;
  }
  return tarballs;
}

/**
 * Writes a `package.json` into `project` that depends on the given tarballs (and on `extra`
 * registry dependencies, such as the tfjs peers), with `overrides` so that our packages' own
 * dependencies on each other also resolve to the tarballs, then runs `npm install`.
 *
 * @param {string} project an empty folder
 * @param {Record<string, string>} tarballs package name to tarball path, from {@link packAll}
 * @param {{ dependencies?: Record<string, string>, devDependencies?: Record<string, string>, scripts?: Record<string, string>, type?: string }} [extra]
 */
export function installTarballs(project, tarballs, extra = {}) {
  const fromFiles = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'vae-tarball-consumer',
        private: true,
        ...(extra.type ? { type: extra.type } : {}),
        ...(extra.scripts ? { scripts: extra.scripts } : {}),
        dependencies: { ...fromFiles, ...extra.dependencies },
        ...(extra.devDependencies ? { devDependencies: extra.devDependencies } : {}),
        overrides: fromFiles,
      },
      null,
      2,
    )}\n`,
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: project,
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const destination = process.argv[2];
  if (!destination) {
    console.error('usage: node scripts/pack-tarballs.mjs <folder>');
    process.exit(2);
  }
  const tarballs = packAll(resolve(destination));
  console.log(JSON.stringify(tarballs, null, 2));
}
