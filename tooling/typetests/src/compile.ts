// Compiles files with the TypeScript API under the strictest settings and sorts what the compiler
// says by where it points: our snippets and type tests, our packages' declarations, or a
// third-party package's declarations.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './snippets.js';
import { PACKAGE_DIR, type Resolution, strictestOptions } from './strictest.js';

/** One compiler error, located. */
export interface Finding {
  /** Absolute path of the file it points into; empty for a global error. */
  readonly file: string;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
  /** `TS2322` and so on. */
  readonly code: string;
  /** The full message chain. */
  readonly message: string;
}

/** Where the snippets are written: inside this package, so imports resolve as a user's do. */
export const GENERATED_DIR = join(PACKAGE_DIR, '.generated');

/** Lines written before a snippet's code in its generated file. */
const HEADER_LINES = 1;

/**
 * Writes each snippet to its own module under `dir` (an ES module: this package is
 * `"type": "module"`, and `export {}` keeps a snippet without imports a module too, so top-level
 * `await` works and names never clash across snippets).
 *
 * @returns The absolute path of each snippet's file, keyed by file.
 */
export function writeSnippets(snippets: readonly Snippet[], dir: string): Map<string, Snippet> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, Snippet>();
  for (const snippet of snippets) {
    const path = join(dir, `${snippet.id.replace(/[^A-Za-z0-9]+/g, '_')}.ts`);
    writeFileSync(path, `// ${snippet.id}\n${snippet.code}\nexport {};\n`);
    files.set(path, snippet);
  }
  return files;
}

/** The markdown `path:line` a finding in a snippet's generated file points to. */
export function snippetLocation(snippet: Snippet, finding: Finding): string {
  return `${snippet.file}:${snippet.line + finding.line - HEADER_LINES}:${finding.column}`;
}

/** Every error the compiler reports for a program of `rootFiles`, under the strictest options. */
export function compile(rootFiles: readonly string[], resolution: Resolution): Finding[] {
  const program = ts.createProgram({ rootNames: [...rootFiles], options: strictestOptions(resolution) });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const code = `TS${diagnostic.code}`;
    if (!diagnostic.file || diagnostic.start === undefined) return { file: '', line: 0, column: 0, code, message };
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return { file: diagnostic.file.fileName, line: line + 1, column: character + 1, code, message };
  });
}

/**
 * The package and path inside it of a file under some `node_modules` (`@tensorflow/tfjs-layers`
 * and `dist/engine/training.d.ts`), or undefined for a file of this repository.
 */
export function thirdPartyFile(file: string): { packageName: string; path: string } | undefined {
  const normalized = file.split(sep).join('/');
  const marker = normalized.lastIndexOf('/node_modules/');
  if (marker < 0) return undefined;
  const parts = normalized.slice(marker + '/node_modules/'.length).split('/');
  const scoped = parts[0]?.startsWith('@') ?? false;
  const packageName = parts.slice(0, scoped ? 2 : 1).join('/');
  return { packageName, path: parts.slice(scoped ? 2 : 1).join('/') };
}

/** A finding as one line, its file relative to `base`. */
export function formatFinding(finding: Finding, base = PACKAGE_DIR): string {
  const where = finding.file ? `${relative(base, finding.file)}:${finding.line}:${finding.column}` : '(global)';
  return `${where} ${finding.code}: ${finding.message}`;
}
