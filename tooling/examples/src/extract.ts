// Finds every code example of the repository: the ```ts blocks of TSDoc `@example` tags in the
// library sources, of the guides in docs/guides, and of the READMEs.
//
// Skipping an example: put `<!-- runner: skip (reason) -->` on the line before its fence (in a
// markdown file or inside the doc comment). Whole folders still being written are skipped by
// path in SKIPPED_PATHS. A skip always carries a reason, and the test prints it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Paths (relative to the root) whose examples are not run yet, and why. */
export const SKIPPED_PATHS: ReadonlyArray<readonly [prefix: string, reason: string]> = [];

/** One code example found in the repository. */
export interface Example {
  /** A stable, readable id: `path:line`. */
  readonly id: string;
  /** The file it came from, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The program text. */
  readonly code: string;
  /** Set when the example is not run, with the reason. */
  readonly skip?: string;
}

const SKIP_MARKER = /<!--\s*runner:\s*skip\s*\((.+)\)\s*-->/;
const FENCE_OPEN = /^(\s*)```(ts|typescript|mts)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;

/** Code blocks of a markdown text, each with its line and skip reason. */
export function markdownBlocks(
  text: string,
  lineOffset = 0,
): Array<{ line: number; code: string; skip: string | undefined }> {
  const lines = text.split('\n');
  const blocks: Array<{ line: number; code: string; skip: string | undefined }> = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE_OPEN.exec(lines[i] ?? '');
    if (!open) {
      // Skip other fences whole, so their content is never mistaken for a ts fence.
      if (/^\s*```/.test(lines[i] ?? '')) {
        i += 1;
        while (i < lines.length && !FENCE_CLOSE.test(lines[i] ?? '')) i += 1;
      }
      continue;
    }
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous -= 1;
    const skip = previous >= 0 ? SKIP_MARKER.exec(lines[previous] ?? '')?.[1] : undefined;
    const body: string[] = [];
    const start = i;
    i += 1;
    while (i < lines.length && !FENCE_CLOSE.test(lines[i] ?? '')) {
      body.push(lines[i] ?? '');
      i += 1;
    }
    blocks.push({ line: lineOffset + start + 1, code: `${body.join('\n')}\n`, skip });
  }
  return blocks;
}

/** The `@example` code blocks of the doc comments in one TypeScript source text. */
export function tsdocExamples(text: string): Array<{ line: number; code: string; skip: string | undefined }> {
  const found: Array<{ line: number; code: string; skip: string | undefined }> = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const comment = match[0];
    if (!comment.includes('@example')) continue;
    const startLine = text.slice(0, match.index).split('\n').length - 1;
    const lines = comment.split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/\s*$/, ''));
    // Only the parts after an @example tag, up to the next block tag.
    let inExample = false;
    const kept = lines.map((l) => {
      if (/^@example\b/.test(l)) inExample = true;
      else if (/^@\w+/.test(l)) inExample = false;
      return inExample ? l : '';
    });
    found.push(...markdownBlocks(kept.join('\n'), startLine));
  }
  return found;
}

function walk(dir: string, accept: (path: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path, accept, out);
    } else if (accept(path)) out.push(path);
  }
  return out;
}

/** Every example of the repository, in a stable order. */
export function findExamples(root = REPO_ROOT): Example[] {
  const sources = walk(
    join(root, 'packages'),
    (p) => /\/src\/.*\.ts$/.test(p) && !/\.test(-d)?\.ts$/.test(p) && !p.endsWith('.d.ts'),
  );
  const markdown = [
    ...walk(join(root, 'docs/guides'), (p) => p.endsWith('.md')),
    join(root, 'README.md'),
    ...walk(join(root, 'packages'), (p) => /packages\/[^/]+\/README\.md$/.test(p)),
  ];
  const examples: Example[] = [];
  const add = (path: string, blocks: Array<{ line: number; code: string; skip: string | undefined }>) => {
    const file = relative(root, path);
    const pathSkip = SKIPPED_PATHS.find(([prefix]) => file.startsWith(prefix))?.[1];
    for (const block of blocks) {
      const skip = pathSkip ?? block.skip;
      examples.push({
        id: `${file}:${block.line}`,
        file,
        line: block.line,
        code: block.code,
        ...(skip === undefined ? {} : { skip }),
      });
    }
  };
  for (const path of sources.sort()) add(path, tsdocExamples(readFileSync(path, 'utf8')));
  for (const path of markdown.filter((p) => existsSync(p)).sort())
    add(path, markdownBlocks(readFileSync(path, 'utf8')));
  return examples;
}
