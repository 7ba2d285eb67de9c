import type { Options } from 'tsup';

/** What a package passes to {@link vaeTsupConfig}: its entries (name -> source file) and any override. */
export type VAETsupOptions = Options & { entry: Record<string, string> };

/** The shared tsup configuration of the repository, with a package's entries and overrides. */
export function vaeTsupConfig(options: VAETsupOptions): Options;
