import type { Options } from 'tsup';

/** What a package passes to {@link vaeTsupConfig}: its entries (name -> source file) and any override. */
export type VAETsupOptions = Options & { entry: Record<string, string> };

/** A complete tsup configuration (named here so a package's `tsup.config.ts` can export it as is). */
export interface VAETsupConfig extends Options {}

/** The shared tsup configuration of the repository, with a package's entries and overrides. */
export function vaeTsupConfig(options: VAETsupOptions): VAETsupConfig;
