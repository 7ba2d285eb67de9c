// Compiles, under the strictest settings a user might have and in both module resolutions:
// every TypeScript block of the READMEs and guides, the hand-written type tests (test/*.test-d.ts,
// test/*.test-d.cts), and every declaration file our packages ship; all against the built
// packages, resolved through their package.json exports as a user's compiler resolves them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compile,
  type Finding,
  formatFinding,
  GENERATED_DIR,
  snippetLocation,
  thirdPartyFile,
  writeSnippets,
} from '../src/compile.js';
import { publishedDeclarations } from '../src/declarations.js';
import { docFiles, docSnippets, REPO_ROOT, scriptFences } from '../src/snippets.js';
import { PACKAGE_DIR, RESOLUTIONS } from '../src/strictest.js';
import { KNOWN_THIRD_PARTY_ERRORS } from '../src/third-party.js';

const snippets = docSnippets();
const declarations = publishedDeclarations();
const typeTests = readdirSync(join(PACKAGE_DIR, 'test'))
  .filter((name) => /\.test-d\.c?ts$/.test(name))
  .map((name) => join(PACKAGE_DIR, 'test', name))
  .sort();
const canary = join(PACKAGE_DIR, 'test/fixtures/canary.ts');
// Asset imports (`?url`), declared as a Vite project's `vite/client` types declare them.
const bundlerEnv = join(PACKAGE_DIR, 'env/bundler-assets.d.ts');

describe('what is compiled', () => {
  it('covers every script block of the READMEs and guides', () => {
    const fences = docFiles().flatMap((file) => scriptFences(file));
    expect(fences.length).toBeGreaterThan(10);
    expect(snippets.map((s) => s.id)).toEqual(fences);
  });

  it('includes the declarations of every published package and the hand-written type tests', () => {
    for (const name of ['@vae/core', '@vae/datasets', '@vae/viz', '@vae/layers', '@vae/backends']) {
      const found = declarations.find((d) => d.name === name);
      expect(
        found?.files.some((file) => file.endsWith('index.d.ts')),
        `${name} is built (pnpm build)`,
      ).toBe(true);
      expect(
        found?.files.some((file) => file.endsWith('index.d.cts')),
        `${name} ships CommonJS types`,
      ).toBe(true);
    }
    expect(typeTests.length).toBeGreaterThan(3);
  });
});

for (const resolution of RESOLUTIONS) {
  describe(`strictest settings, moduleResolution ${resolution}`, () => {
    const dir = join(GENERATED_DIR, resolution);
    let findings: Finding[] = [];
    let snippetFiles = new Map<string, (typeof snippets)[number]>();
    const at = (file: string) => findings.filter((finding) => finding.file === file);

    // CommonJS type tests (`.test-d.cts`, `import x = require(...)`) are for Node's resolution only.
    const typeTestsHere = typeTests.filter((file) => resolution === 'nodenext' || !file.endsWith('.cts'));

    beforeAll(() => {
      snippetFiles = writeSnippets(snippets, dir);
      const roots = [
        ...snippetFiles.keys(),
        ...typeTestsHere,
        ...declarations.flatMap((d) => d.files),
        canary,
        bundlerEnv,
      ];
      findings = compile(roots, resolution);
    }, 300_000);

    it.each(snippets.map((snippet) => [snippet.id, snippet] as const))('snippet %s compiles', (_, snippet) => {
      const file = [...snippetFiles].find(([, s]) => s === snippet)?.[0] ?? '';
      const errors = at(file).map(
        (finding) => `${snippetLocation(snippet, finding)} ${finding.code}: ${finding.message}`,
      );
      expect(errors).toEqual([]);
    });

    it.each(typeTestsHere.map((file) => [file.slice(PACKAGE_DIR.length), file] as const))('%s compiles', (_, file) => {
      expect(at(file).map((finding) => formatFinding(finding))).toEqual([]);
    });

    it('our declaration files compile clean (skipLibCheck false)', () => {
      const ours = findings.filter(
        (finding) => finding.file.startsWith(join(REPO_ROOT, 'packages')) || finding.file === '',
      );
      expect(ours.map((finding) => formatFinding(finding))).toEqual([]);
    });

    it('third-party declarations report only their known errors', () => {
      const counts = new Map<string, number>();
      for (const finding of findings) {
        const where = thirdPartyFile(finding.file);
        if (!where) continue;
        const key = `${where.packageName}/${where.path} ${finding.code}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const known = new Map(KNOWN_THIRD_PARTY_ERRORS.map((e) => [`${e.packageName}/${e.path} ${e.code}`, e.count]));
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(known));
    });

    it('reports a snippet that does not type-check', () => {
      // A string where fit takes a number, and a misspelt option.
      expect(at(canary).map((finding) => `${finding.line} ${finding.code}`)).toEqual(['7 TS2322', '8 TS2561']);
    });

    it('finds nothing outside the files it was given', () => {
      const given = new Set([...snippetFiles.keys(), ...typeTestsHere, canary]);
      const stray = findings.filter(
        (finding) =>
          !given.has(finding.file) &&
          !thirdPartyFile(finding.file) &&
          !finding.file.startsWith(join(REPO_ROOT, 'packages')) &&
          finding.file !== '',
      );
      expect(stray.map((finding) => formatFinding(finding))).toEqual([]);
    });
  });
}
