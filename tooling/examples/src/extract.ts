// Finds every code example of the repository: the ```ts blocks of TSDoc `@example` tags in the
// library sources, of the guides in docs/guides, and of the READMEs.
//
// What a reader sees is what the fence holds, unchanged. Instructions for CI live in invisible
// HTML comments on the lines just before the fence (in a markdown file or inside the doc comment):
//
//   <!-- runner: skip (reason) -->                  the example is not run; the test prints why
//   <!-- runner: budget 8000 -> 4; epochs: 30 -> epochs: 1 -->
//                                                   CI runs the example with each `from` text
//                                                   replaced by its `to` text (a tiny budget)
//
// Each budget substitution is literal text and must occur in the code at least once (every
// occurrence is replaced); one that matches nothing is reported as a problem, so a directive
// left behind by an edit fails loudly instead of running the example at full budget. A
// directive that is not followed by a ```ts fence, or that the runner does not know, is a
// problem too. Whole folders still being written are skipped by path in SKIPPED_PATHS.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Paths (relative to the root) whose examples are not run yet, and why. */
export const SKIPPED_PATHS: ReadonlyArray<readonly [prefix: string, reason: string]> = [];

/** One literal replacement that turns a reader's full-budget example into CI's tiny one. */
export interface BudgetSubstitution {
  readonly from: string;
  readonly to: string;
}

/** One ```ts block with what its runner directives say. */
export interface CodeBlock {
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The program exactly as a reader sees and copies it. */
  readonly code: string;
  /** The program CI runs: `code` with the budget substitutions applied. */
  readonly runCode: string;
  /** The budget substitutions of the block's `<!-- runner: budget ... -->` directives. */
  readonly budget: readonly BudgetSubstitution[];
  /** Set when the block is not run, with the reason. */
  readonly skip: string | undefined;
  /** What is wrong with the block's directives (a substitution that matches nothing, ...). */
  readonly problems: readonly string[];
}

/** A runner directive that applies to no ```ts block. */
export interface StrayDirective {
  readonly line: number;
  readonly text: string;
}

/** One code example found in the repository. */
export interface Example {
  /** A stable, readable id: `path:line`. */
  readonly id: string;
  /** The file it came from, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The program exactly as a reader sees and copies it (no CI-only lines). */
  readonly code: string;
  /** The program CI runs: `code` with the budget substitutions of its directives applied. */
  readonly runCode: string;
  /** The budget substitutions that turn `code` into `runCode`. */
  readonly budget: readonly BudgetSubstitution[];
  /** Set when the example is not run, with the reason. */
  readonly skip?: string;
  /** What is wrong with the example's runner directives; any problem fails its test. */
  readonly problems: readonly string[];
}

const DIRECTIVE = /^\s*<!--\s*runner:\s*(.*?)\s*-->\s*$/;
const SKIP = /^skip\s*\((.+)\)$/;
const BUDGET = /^budget\s+(.+)$/;
const FENCE_OPEN = /^(\s*)```(ts|typescript|mts)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;

/** Parses the text of one budget directive (`a -> b; c -> d`) into substitutions. */
export function parseBudget(spec: string): { substitutions: BudgetSubstitution[]; problems: string[] } {
  const substitutions: BudgetSubstitution[] = [];
  const problems: string[] = [];
  for (const pair of spec.split(';')) {
    if (pair.trim() === '') continue;
    const parts = pair.split('->');
    const from = parts[0]?.trim() ?? '';
    const to = parts[1]?.trim() ?? '';
    if (parts.length !== 2 || from === '' || to === '') {
      problems.push(
        `budget substitution "${pair.trim()}" is not "from -> to" (literal texts, separated by ";", neither empty nor containing "->" or ";")`,
      );
    } else substitutions.push({ from, to });
  }
  if (substitutions.length === 0 && problems.length === 0) problems.push('budget directive lists no substitution');
  return { substitutions, problems };
}

/** Applies budget substitutions to a program; a substitution that matches nothing is a problem. */
export function applyBudget(
  code: string,
  substitutions: readonly BudgetSubstitution[],
): { runCode: string; problems: string[] } {
  let runCode = code;
  const problems: string[] = [];
  for (const { from, to } of substitutions) {
    if (!runCode.includes(from)) {
      problems.push(
        `budget substitution "${from} -> ${to}" matches nothing in the code: update or remove the directive`,
      );
      continue;
    }
    runCode = runCode.split(from).join(to);
  }
  return { runCode, problems };
}

/** The ```ts blocks of a markdown text with their directives, and the directives that apply to none. */
export function scanMarkdown(text: string, lineOffset = 0): { blocks: CodeBlock[]; stray: StrayDirective[] } {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  const stray: StrayDirective[] = [];
  // Directive lines seen since the last other non-blank line, waiting for a ts fence.
  let pending: Array<{ line: number; body: string }> = [];
  const flush = () => {
    for (const d of pending) stray.push({ line: lineOffset + d.line + 1, text: `<!-- runner: ${d.body} -->` });
    pending = [];
  };
  for (let i = 0; i < lines.length; i += 1) {
    const current = lines[i] ?? '';
    const directive = DIRECTIVE.exec(current);
    if (directive) {
      pending.push({ line: i, body: directive[1] ?? '' });
      continue;
    }
    if (current.trim() === '') continue;
    const open = FENCE_OPEN.exec(current);
    if (!open) {
      flush();
      // Skip other fences whole, so their content is never mistaken for a ts fence.
      if (/^\s*```/.test(current)) {
        i += 1;
        while (i < lines.length && !FENCE_CLOSE.test(lines[i] ?? '')) i += 1;
      }
      continue;
    }
    const problems: string[] = [];
    const budget: BudgetSubstitution[] = [];
    let skip: string | undefined;
    for (const { body } of pending) {
      const skipMatch = SKIP.exec(body);
      const budgetMatch = BUDGET.exec(body);
      if (skipMatch) skip = skipMatch[1];
      else if (budgetMatch) {
        const parsed = parseBudget(budgetMatch[1] ?? '');
        budget.push(...parsed.substitutions);
        problems.push(...parsed.problems);
      } else problems.push(`unknown runner directive "<!-- runner: ${body} -->" (known: skip (reason), budget a -> b)`);
    }
    pending = [];
    const body: string[] = [];
    const start = i;
    i += 1;
    while (i < lines.length && !FENCE_CLOSE.test(lines[i] ?? '')) {
      body.push(lines[i] ?? '');
      i += 1;
    }
    const code = `${body.join('\n')}\n`;
    const applied = applyBudget(code, budget);
    blocks.push({
      line: lineOffset + start + 1,
      code,
      runCode: applied.runCode,
      budget,
      skip,
      problems: [...problems, ...applied.problems],
    });
  }
  flush();
  return { blocks, stray };
}

/** Code blocks of a markdown text, each with its line, directives and skip reason. */
export function markdownBlocks(text: string, lineOffset = 0): CodeBlock[] {
  return scanMarkdown(text, lineOffset).blocks;
}

/** The `@example` code blocks of the doc comments in one TypeScript source text, and stray directives. */
export function scanTsdoc(text: string): { blocks: CodeBlock[]; stray: StrayDirective[] } {
  const blocks: CodeBlock[] = [];
  const stray: StrayDirective[] = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const comment = match[0];
    if (!comment.includes('@example') && !comment.includes('runner:')) continue;
    const startLine = text.slice(0, match.index).split('\n').length - 1;
    const lines = comment.split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/\s*$/, ''));
    // Only the parts after an @example tag, up to the next block tag; a directive elsewhere in
    // the comment applies to nothing and is reported.
    let inExample = false;
    const kept = lines.map((l, index) => {
      if (/^@example\b/.test(l)) inExample = true;
      else if (/^@\w+/.test(l)) inExample = false;
      if (!inExample && DIRECTIVE.test(l)) stray.push({ line: startLine + index + 1, text: l.trim() });
      return inExample ? l : '';
    });
    const scanned = scanMarkdown(kept.join('\n'), startLine);
    blocks.push(...scanned.blocks);
    stray.push(...scanned.stray);
  }
  return { blocks, stray };
}

/** The `@example` code blocks of the doc comments in one TypeScript source text. */
export function tsdocExamples(text: string): CodeBlock[] {
  return scanTsdoc(text).blocks;
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

/** Every file whose examples the runner reads, as [absolute path, kind], in a stable order. */
function exampleFiles(root: string): Array<[path: string, kind: 'tsdoc' | 'markdown']> {
  const sources = walk(
    join(root, 'packages'),
    (p) => /\/src\/.*\.ts$/.test(p) && !/\.test(-d)?\.ts$/.test(p) && !p.endsWith('.d.ts'),
  );
  const markdown = [
    ...walk(join(root, 'docs/guides'), (p) => p.endsWith('.md')),
    join(root, 'docs/index.md'),
    join(root, 'README.md'),
    ...walk(join(root, 'packages'), (p) => /packages\/[^/]+\/README\.md$/.test(p)),
  ];
  return [
    ...sources.sort().map((p) => [p, 'tsdoc'] as [string, 'tsdoc']),
    ...markdown
      .filter((p) => existsSync(p))
      .sort()
      .map((p) => [p, 'markdown'] as [string, 'markdown']),
  ];
}

function scanFile(path: string, kind: 'tsdoc' | 'markdown'): { blocks: CodeBlock[]; stray: StrayDirective[] } {
  const text = readFileSync(path, 'utf8');
  return kind === 'tsdoc' ? scanTsdoc(text) : scanMarkdown(text);
}

/**
 * Every example of the repository, in a stable order: each with its file, line, the code a
 * reader sees (`code`) and the code CI runs (`runCode`).
 */
export function findExamples(root = REPO_ROOT): Example[] {
  const examples: Example[] = [];
  for (const [path, kind] of exampleFiles(root)) {
    const file = relative(root, path);
    const pathSkip = SKIPPED_PATHS.find(([prefix]) => file.startsWith(prefix))?.[1];
    for (const block of scanFile(path, kind).blocks) {
      const skip = pathSkip ?? block.skip;
      examples.push({
        id: `${file}:${block.line}`,
        file,
        line: block.line,
        code: block.code,
        runCode: block.runCode,
        budget: block.budget,
        ...(skip === undefined ? {} : { skip }),
        problems: block.problems,
      });
    }
  }
  return examples;
}

/** Runner directives that apply to no example, as `path:line: directive`. */
export function findStrayDirectives(root = REPO_ROOT): string[] {
  const found: string[] = [];
  for (const [path, kind] of exampleFiles(root)) {
    for (const { line, text } of scanFile(path, kind).stray) found.push(`${relative(root, path)}:${line}: ${text}`);
  }
  return found;
}
