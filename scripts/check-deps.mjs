#!/usr/bin/env node
// Enforces the dependency direction of shared/ARCHITECTURE.md:
//   apps/demo -> @vae/cli -> viz, datasets, backends, layers -> core -> (tfjs peers only)
// (the CLI is an application that may use every library; nothing depends on it but apps/demo)
// and the backend rules: no library imports `@tensorflow/tfjs` or tfjs-node, and only
// @vae/backends calls `setBackend`. Prints every violation and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which workspace packages each package may depend on and import. */
export const ALLOWED_EDGES = {
  '@vae/core': [],
  '@vae/layers': ['@vae/core'],
  '@vae/datasets': ['@vae/core'],
  '@vae/viz': ['@vae/core'],
  '@vae/backends': ['@vae/core'],
  '@vae/cli': ['@vae/core', '@vae/layers', '@vae/datasets', '@vae/viz', '@vae/backends'],
  '@vae/demo': ['@vae/core', '@vae/layers', '@vae/datasets', '@vae/viz', '@vae/backends', '@vae/cli'],
};

/** Development-only workspace packages any package may use in its devDependencies. */
const TOOLING = new Set(['@vae/vitest-config', '@vae/tsup-config']);
/** The one library that may load backends and call setBackend. */
const BACKEND_OWNER = '@vae/backends';
/** Applications: they choose backends and may depend on tfjs packages directly (the CLI is published, but an application). */
const APPS = new Set(['@vae/cli', '@vae/demo']);
const SOURCE_DIRS = ['src', 'test'];
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?)$/;
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function packageDirs(root) {
  const dirs = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    let names = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(base, name);
      try {
        statSync(join(dir, 'package.json'));
        dirs.push(dir);
      } catch {
        // not a package
      }
    }
  }
  return dirs;
}

function sourceFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (SOURCE_FILE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const s of SOURCE_DIRS) walk(join(dir, s));
  return out;
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function packageOf(specifier) {
  if (specifier.startsWith('@')) return specifier.split('/').slice(0, 2).join('/');
  return specifier.split('/')[0];
}

/**
 * Checks every package below `root` and returns the violations as readable lines.
 * @param {string} root the repository root
 * @returns {string[]}
 */
export function checkRepo(root) {
  const problems = [];
  for (const dir of packageDirs(root)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const name = pkg.name;
    const where = relative(root, dir) || '.';
    if (!(name in ALLOWED_EDGES)) {
      problems.push(
        `${where}: package ${name} is not in the architecture's list; add it to ALLOWED_EDGES in scripts/check-deps.mjs with the edges ARCHITECTURE.md allows.`,
      );
      continue;
    }
    const allowed = new Set(ALLOWED_EDGES[name]);
    const isLibrary = !APPS.has(name);
    const declared = new Set();
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
      for (const dep of Object.keys(pkg[field] ?? {})) {
        declared.add(dep);
        if (dep.startsWith('@vae/') && !allowed.has(dep) && !(field === 'devDependencies' && TOOLING.has(dep))) {
          problems.push(
            `${where}/package.json: ${name} may not depend on ${dep} (${field}); allowed: ${[...allowed].join(', ') || 'no workspace package'}.`,
          );
        }
        if (isLibrary && field !== 'devDependencies' && dep === '@tensorflow/tfjs') {
          problems.push(
            `${where}/package.json: libraries depend on @tensorflow/tfjs-core and tfjs-layers as peers, not on @tensorflow/tfjs (${field}).`,
          );
        }
        if (
          isLibrary &&
          (field === 'dependencies' || field === 'optionalDependencies') &&
          /^@tensorflow\/tfjs-node(-gpu)?$/.test(dep)
        ) {
          problems.push(
            `${where}/package.json: ${dep} must be an optional peer dependency, never a dependency (${field}).`,
          );
        }
      }
    }
    for (const file of sourceFiles(dir)) {
      const rel = relative(root, file);
      const text = stripComments(readFileSync(file, 'utf8'));
      const specifiers = new Set();
      for (const pattern of SPECIFIER_PATTERNS) {
        for (const m of text.matchAll(pattern)) specifiers.add(m[1]);
      }
      for (const spec of specifiers) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          // Tests may use the repository's own scripts (scripts/pack-tarballs.mjs packs what users install).
          const repoScript = file.startsWith(join(dir, 'test') + sep) && target.startsWith(join(root, 'scripts') + sep);
          if (target !== dir && !target.startsWith(dir + sep) && !repoScript) {
            problems.push(
              `${rel}: relative import '${spec}' leaves the package; import the other package by its npm name.`,
            );
          }
          continue;
        }
        const dep = packageOf(spec);
        if (dep.startsWith('@vae/')) {
          if (dep === name) continue;
          if (TOOLING.has(dep)) continue;
          if (!allowed.has(dep)) {
            problems.push(
              `${rel}: ${name} may not import ${spec}; allowed: ${[...allowed].join(', ') || 'no workspace package'}.`,
            );
          } else if (!declared.has(dep)) {
            problems.push(`${rel}: imports ${dep} but ${where}/package.json does not declare it.`);
          }
        }
        if (isLibrary && dep === '@tensorflow/tfjs') {
          problems.push(
            `${rel}: libraries import @tensorflow/tfjs-core / tfjs-layers, never the @tensorflow/tfjs bundle ('${spec}').`,
          );
        }
        if (isLibrary && name !== BACKEND_OWNER && /^@tensorflow\/tfjs-node(-gpu)?$/.test(dep)) {
          problems.push(`${rel}: only @vae/backends may load ${dep}.`);
        }
      }
      if (isLibrary && name !== BACKEND_OWNER && /\bsetBackend\s*\(/.test(text)) {
        problems.push(`${rel}: only @vae/backends may call setBackend(); take the backend the application chose.`);
      }
    }
  }
  return problems;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkRepo(root);
  if (problems.length > 0) {
    console.error(`dependency check: ${problems.length} violation(s) of ARCHITECTURE.md:`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(`dependency check: ${packageDirs(root).length} packages follow ARCHITECTURE.md.`);
}
