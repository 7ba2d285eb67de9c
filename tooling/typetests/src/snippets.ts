// The code blocks readers copy: every TypeScript block of README.md, packages/*/README.md,
// docs/index.md and docs/guides/*.md, found by the examples runner's extractor (the one place that
// knows the fence and directive syntax). Its `code` is the block exactly as a reader sees it; CI's
// budget substitutions (`runCode`) are not what a reader pastes, so they are not compiled here.
//
// Blocks the runner skips (too long to run, or browser-only) are still compiled: the compiler
// does not run them, and they are the ones a reader pastes first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findExamples, REPO_ROOT } from '@vae/examples-runner/src/extract.js';

export { REPO_ROOT };

/** One code block as the reader sees it. */
export interface Snippet {
  /** `path:line` of the opening fence. */
  readonly id: string;
  /** The markdown file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The code, one line per line of the block. */
  readonly code: string;
}

/** The markdown files whose code blocks users copy, relative to the repository root. */
export function docFiles(root = REPO_ROOT): string[] {
  const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `packages/${entry.name}/README.md`);
  const guides = readdirSync(join(root, 'docs/guides'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/guides/${name}`);
  return ['README.md', 'docs/index.md', ...packages, ...guides].filter((file) => existsSync(join(root, file))).sort();
}

/** Every TypeScript block of the files of {@link docFiles}, in a stable order. */
export function docSnippets(root = REPO_ROOT): Snippet[] {
  const files = new Set(docFiles(root));
  return findExamples(root)
    .filter((example) => files.has(example.file))
    .map((example) => ({ id: example.id, file: example.file, line: example.line, code: example.code }));
}

/** Languages of fenced blocks a reader may paste into a TypeScript or JavaScript project. */
const SCRIPT_LANGUAGES = new Set(['ts', 'typescript', 'mts', 'cts', 'tsx', 'js', 'javascript', 'mjs', 'cjs', 'jsx']);

/**
 * The opening fences of script blocks in one markdown file, as `path:line`: what
 * {@link docSnippets} must cover, counted without the extractor.
 */
export function scriptFences(file: string, root = REPO_ROOT): string[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found: string[] = [];
  let open = false;
  lines.forEach((text, index) => {
    const fence = /^\s*```\s*([\w-]*)/.exec(text);
    if (!fence) return;
    if (!open && SCRIPT_LANGUAGES.has((fence[1] ?? '').toLowerCase())) {
      found.push(`${relative(root, join(root, file))}:${index + 1}`);
    }
    open = !open;
  });
  return found;
}
