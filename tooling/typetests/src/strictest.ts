// The strictest compiler settings a user of the libraries might have, read from the two tsconfig
// files beside this package's package.json (one per module resolution), so the settings live in
// one place and editors can open them.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** How the user's compiler finds packages: as Node does, or as a bundler does. */
export type Resolution = 'nodenext' | 'bundler';

/** Both resolutions, in the order the tests run them. */
export const RESOLUTIONS: readonly Resolution[] = ['nodenext', 'bundler'];

/** This package's folder. */
export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));

/** The compiler options of `strictest.<resolution>.json`. */
export function strictestOptions(resolution: Resolution): ts.CompilerOptions {
  const path = `${PACKAGE_DIR}strictest.${resolution}.json`;
  const read = ts.readConfigFile(path, ts.sys.readFile);
  if (read.error) throw new Error(`strictestOptions: cannot read ${path}: ${flatten(read.error)}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, PACKAGE_DIR, undefined, path);
  // 18002: the empty `files` list, on purpose (the harness names the files it compiles).
  const errors = parsed.errors.filter((error) => error.code !== 18002);
  if (errors.length > 0) {
    throw new Error(`strictestOptions: ${path} is invalid: ${errors.map(flatten).join('; ')}`);
  }
  return parsed.options;
}

function flatten(diagnostic: ts.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
}
