// Types for docs/typedoc/site-checks.mjs, so that TypeScript tests import it checked.

/** Decodes the HTML character references of a text or attribute value. */
export declare function decodeEntities(text: string): string;

/** The text a reader sees on a page: no comments, scripts, styles or tags; entities decoded. */
export declare function visibleText(html: string): string;

/** Every `id` (and legacy `name`) an anchor can point at in a page. */
export declare function anchorTargets(html: string): Set<string>;

/** Every `href` and `src` of a page (decoded), with its offset in the page. */
export declare function pageLinks(html: string): Array<{ attribute: string; value: string; index: number }>;

/**
 * Checks one page of the site rooted at `site`; `targets(path)` gives the anchor ids of another
 * file of the site. Returns one line per problem: `page:line: what is wrong`.
 */
export declare function checkPage(
  site: string,
  file: string,
  html: string,
  targets?: (path: string) => Set<string>,
): string[];

/** Checks every HTML page of a built site; returns one line per problem, empty when clean. */
export declare function checkSite(site: string): string[];
