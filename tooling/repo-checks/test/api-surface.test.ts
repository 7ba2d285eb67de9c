// The public API of every published package, read from the built `.d.ts` files (what users
// import): one vocabulary (`VAE`, never `Vae`; the MLP model never called "dense"), no internals
// in core's main entry, and a `@category` on every documented export, so the API reference has
// no "Other" section. Needs the packages built (turbo builds them before this package's tests).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = join(__dirname, '..', '..', '..');

/** Subpaths that are not in the API reference: test helpers, and what the @vae packages share. */
const UNDOCUMENTED = new Set(['./test', './internal']);
/** Subpaths whose exports need no category (not rendered by typedoc at all). */
const UNCATEGORISED = new Set(['./internal']);

/**
 * Loop internals and file helpers that users do not call: never in `@vae/core`'s main entry (the
 * ones the other packages need are in `@vae/core/internal`).
 */
const CORE_INTERNALS = [
  'resolveData',
  'resolveFitSetup',
  'fitSeeds',
  'mixSeed',
  'mulberry32',
  'seededPermutation',
  'writeFileAtomic',
  'writeFileAtomicAs',
  'writeFolderAtomic',
  'writeFolderAtomicAs',
  'FolderFiles',
  'PREVIOUS_SUFFIX',
  'resolveReadableFolder',
  'parseManifest',
  'MANIFEST_LIMITS',
  'clipByGlobalNorm',
  'checkInteger',
  'mergeDefaults',
];

/**
 * Names more than one package exports on purpose: every package's own name constant, and
 * datasets' `Batch`, which is core's `Batch` with class ids (checked below to be exactly that).
 */
const SHARED_NAMES = new Set(['PACKAGE_NAME', 'Batch']);

interface ExportedName {
  name: string;
  kind: 'value' | 'type';
  /** Where the name is declared (file and offset), to tell one declaration re-exported from a second. */
  declaredAt: string;
  hasCategory: boolean;
  /** For `type X = Y<...>`: where `Y` is declared, and the type arguments as written. */
  aliasOf?: { declaredAt: string; typeArguments: string[] };
}

interface Entry {
  packageName: string;
  subpath: string;
  typesFile: string;
  names: ExportedName[];
}

function publishedPackages(): Array<{ dir: string; manifest: Record<string, unknown> }> {
  const base = join(repoRoot, 'packages');
  return readdirSync(base)
    .map((name) => join(base, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest['private'] !== true);
}

function typesOf(target: unknown): string | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  const conditions = target as Record<string, unknown>;
  const esm = conditions['import'];
  if (typeof esm === 'object' && esm !== null && typeof (esm as Record<string, unknown>)['types'] === 'string') {
    return (esm as Record<string, string>)['types'];
  }
  return typeof conditions['types'] === 'string' ? conditions['types'] : undefined;
}

function readEntries(): Entry[] {
  const wanted: Array<Omit<Entry, 'names'>> = [];
  for (const { dir, manifest } of publishedPackages()) {
    const exportsMap = (manifest['exports'] ?? {}) as Record<string, unknown>;
    for (const [subpath, target] of Object.entries(exportsMap)) {
      const types = typesOf(target);
      if (types === undefined) continue;
      const typesFile = join(dir, types);
      if (!existsSync(typesFile)) {
        throw new Error(`api-surface: ${typesFile} is missing. Build the packages first: pnpm run build.`);
      }
      wanted.push({ packageName: String(manifest['name']), subpath, typesFile });
    }
  }
  const program = ts.createProgram(
    wanted.map((e) => e.typesFile),
    {
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
  );
  const checker = program.getTypeChecker();
  return wanted.map((entry) => {
    const source = program.getSourceFile(entry.typesFile);
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`api-surface: ${entry.typesFile} is not a module.`);
    const declaredAt = (symbol: ts.Symbol): string => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const first = target.declarations?.[0];
      return first === undefined ? symbol.name : `${first.getSourceFile().fileName}:${first.pos}`;
    };
    const names = checker.getExportsOfModule(moduleSymbol).map((symbol): ExportedName => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declarations = target.declarations ?? [];
      const first = declarations[0];
      const named: ExportedName = {
        name: symbol.name,
        kind: target.flags & ts.SymbolFlags.Value ? 'value' : 'type',
        declaredAt: declaredAt(symbol),
        hasCategory: declarations.some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'category')),
      };
      if (first !== undefined && ts.isTypeAliasDeclaration(first) && ts.isTypeReferenceNode(first.type)) {
        const referenced = checker.getSymbolAtLocation(first.type.typeName);
        if (referenced !== undefined) {
          named.aliasOf = {
            declaredAt: declaredAt(referenced),
            typeArguments: (first.type.typeArguments ?? []).map((t) => t.getText()),
          };
        }
      }
      return named;
    });
    return { ...entry, names };
  });
}

const entries = readEntries();
const label = (e: Entry) => `${e.packageName}${e.subpath === '.' ? '' : e.subpath.slice(1)}`;
const core = entries.find((e) => e.packageName === '@vae/core' && e.subpath === '.');

describe('the public API', () => {
  it('lists the runtime and type exports of every entry', () => {
    const counts = entries.map((e) => {
      const values = e.names.filter((n) => n.kind === 'value').length;
      return `${label(e)}: ${e.names.length} (${values} runtime, ${e.names.length - values} types)`;
    });
    console.log(`exports per entry:\n  ${counts.join('\n  ')}`);
    expect(entries.map(label)).toEqual(
      expect.arrayContaining(['@vae/core', '@vae/core/internal', '@vae/layers', '@vae/datasets', '@vae/viz']),
    );
    for (const e of entries) expect(e.names.length, label(e)).toBeGreaterThan(0);
  });

  it('spells the acronym VAE in upper case in every exported name', () => {
    const mixed = entries.flatMap((e) =>
      e.names.filter((n) => /Vae/.test(n.name)).map((n) => `${label(e)}: ${n.name}`),
    );
    expect(mixed).toEqual([]);
  });

  it('calls the fully connected model MLP, never "dense", in exported names', () => {
    const dense = entries.flatMap((e) =>
      e.names.filter((n) => /dense(VAE|Vae|Model|Spec)/i.test(n.name)).map((n) => `${label(e)}: ${n.name}`),
    );
    expect(dense).toEqual([]);
  });

  it("keeps loop internals and file helpers out of @vae/core's main entry", () => {
    expect(core).toBeDefined();
    const exported = new Set(core!.names.map((n) => n.name));
    expect(CORE_INTERNALS.filter((name) => exported.has(name))).toEqual([]);
  });

  it('documents @vae/core/internal as shared by the @vae packages, with no stability promise, outside the reference', () => {
    const internal = entries.find((e) => e.packageName === '@vae/core' && e.subpath === './internal');
    expect(internal).toBeDefined();
    const names = internal!.names.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['mulberry32', 'writeFileAtomic', 'writeFolderAtomic']));
    const text = readFileSync(join(repoRoot, 'packages/vae-core/src/internal/entry.ts'), 'utf8');
    expect(text).toContain('@packageDocumentation');
    expect(text).toMatch(/no stability\s+(\*\s+)?promise/);
    const typedoc = JSON.parse(readFileSync(join(repoRoot, 'packages/vae-core/typedoc.json'), 'utf8'));
    expect(typedoc.entryPoints).not.toContain('src/internal/entry.ts');
  });

  it('gives every documented export a @category, so the reference has no "Other" section', () => {
    const missing = entries
      .filter((e) => !UNCATEGORISED.has(e.subpath))
      .flatMap((e) => e.names.filter((n) => !n.hasCategory).map((n) => `${label(e)}: ${n.name}`));
    expect(missing).toEqual([]);
  });

  it('exports each declaration from one documented entry of a package (a second one renders as an uncategorised reference)', () => {
    const repeated: string[] = [];
    const byPackage = new Map<string, Map<string, string>>();
    for (const e of entries.filter((x) => !UNDOCUMENTED.has(x.subpath))) {
      const seen = byPackage.get(e.packageName) ?? new Map<string, string>();
      byPackage.set(e.packageName, seen);
      for (const n of e.names) {
        const first = seen.get(n.declaredAt);
        if (first !== undefined) repeated.push(`${n.name}: ${first} and ${label(e)}`);
        else seen.set(n.declaredAt, label(e));
      }
    }
    expect(repeated).toEqual([]);
  });

  it('has one definition per name across packages (datasets’ Batch is core’s Batch with class ids)', () => {
    const owners = new Map<string, string[]>();
    for (const e of entries.filter((x) => !UNDOCUMENTED.has(x.subpath))) {
      for (const n of e.names) owners.set(n.name, [...(owners.get(n.name) ?? []), e.packageName]);
    }
    const twice = [...owners]
      .filter(([name, packages]) => new Set(packages).size > 1 && !SHARED_NAMES.has(name))
      .map(([name, packages]) => `${name}: ${[...new Set(packages)].join(', ')}`);
    expect(twice).toEqual([]);
    // InterpolationMethod and EpochLogs have one home: core.
    for (const name of ['InterpolationMethod', 'EpochLogs', 'Batch']) {
      expect(new Set(owners.get(name)).has('@vae/core'), name).toBe(true);
    }
    const coreBatch = core?.names.find((n) => n.name === 'Batch');
    const datasetsBatch = entries
      .find((e) => e.packageName === '@vae/datasets' && e.subpath === '.')
      ?.names.find((n) => n.name === 'Batch');
    expect(coreBatch).toBeDefined();
    expect(datasetsBatch?.aliasOf?.declaredAt).toBe(coreBatch?.declaredAt);
    expect(datasetsBatch?.aliasOf?.typeArguments).toEqual([expect.stringMatching(/\bTensor1D$/)]);
  });
});
