// Types for scripts/pack-tarballs.mjs, so that TypeScript tests import it checked.

/** The repository's root folder. */
export declare const repoRoot: string;

/** A published package: its name, version and folder. */
export interface PublishedPackage {
  name: string;
  version: string;
  dir: string;
}

/** The published packages: every non-private package under packages/. */
export declare function publishedPackages(): PublishedPackage[];

/** Packs every published package into `destination`; returns the tarball path by package name. */
export declare function packAll(destination: string): Record<string, string>;

/** What {@link installTarballs} adds to the consumer's package.json besides the tarballs. */
export interface ConsumerExtras {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  type?: string;
}

/** Writes a consumer package.json depending on the tarballs (with overrides) and runs `npm install`. */
export declare function installTarballs(
  project: string,
  tarballs: Record<string, string>,
  extra?: ConsumerExtras,
): void;
