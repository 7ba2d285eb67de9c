// The declaration files our published packages ship: every `.d.ts` and `.d.cts` under each
// package's `dist`, as built by `pnpm build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './snippets.js';

/** One published package and the declaration files of its build. */
export interface PublishedDeclarations {
  readonly name: string;
  readonly dir: string;
  readonly files: string[];
}

/** The published (non-private) packages under `packages/`, each with its built declarations. */
export function publishedDeclarations(root = REPO_ROOT): PublishedDeclarations[] {
  const found: PublishedDeclarations[] = [];
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    const dir = join(root, 'packages', entry.name);
    const manifestPath = join(dir, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name?: unknown; private?: unknown };
    if (manifest.private === true || typeof manifest.name !== 'string') continue;
    const dist = join(dir, 'dist');
    const files = existsSync(dist)
      ? readdirSync(dist, { recursive: true, encoding: 'utf8' })
          .filter((name) => name.endsWith('.d.ts') || name.endsWith('.d.cts'))
          .map((name) => join(dist, name))
          .sort()
      : [];
    found.push({ name: manifest.name, dir, files });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
