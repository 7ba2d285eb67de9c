// Checks a built docs site (a folder of HTML pages) for what a reader must never see:
// - an unrendered `{@link ...}` tag;
// - a declaration reference shown as link text (`@vae/core!buildVAE` instead of `buildVAE`);
// - CI-only text (`VAE_EXAMPLE_BUDGET`, a `runner: skip` / `runner: budget` directive) in the
//   visible text of a page, for example inside a code block a reader copies;
// - a dead link: an `href` or `src` to a file of the site that does not exist, an anchor that
//   names no `id` on its page, a site-absolute path (it breaks under file:// or a sub-path), or
//   a link to a reserved `.invalid` host (the placeholder of an unresolved cross-package link).
// The root typedoc build runs it after writing the site (docs/typedoc/plugin.mjs) and fails on
// any problem; tooling/examples tests it on fixture pages.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decodes the HTML character references of a text or attribute value. */
export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The text a reader sees on a page: no comments, scripts, styles or tags; entities decoded. */
export function visibleText(html) {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<[^>]*>/g, ''),
  );
}

/** Every `id` (and legacy `name`) an anchor can point at in a page. */
export function anchorTargets(html) {
  const ids = new Set();
  for (const [, , value] of html.matchAll(/\s(id|name)\s*=\s*"([^"]*)"/gi)) ids.add(decodeEntities(value));
  for (const [, , value] of html.matchAll(/\s(id|name)\s*=\s*'([^']*)'/gi)) ids.add(decodeEntities(value));
  return ids;
}

/** Every `href` and `src` of a page (decoded), with its offset in the page. */
export function pageLinks(html) {
  const links = [];
  for (const match of html.matchAll(/\s(href|src|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    const value = decodeEntities(match[2] ?? match[3] ?? '');
    links.push({ attribute: match[1].toLowerCase(), value, index: match.index ?? 0 });
  }
  return links;
}

function lineOf(text, index) {
  let line = 1;
  for (let i = 0; i < index; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function excerpt(text, index) {
  return text
    .slice(Math.max(0, index - 40), index + 60)
    .replace(/\s+/g, ' ')
    .trim();
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
const LINK_TAG = /\{@link(?:code|plain)?[\s}]/g;
// `@scope/name!...` or `name!"module"...`: typedoc's declaration-reference syntax.
const DECLARATION_REFERENCE = /^(?:@[\w.-]+\/[\w.-]+!|[\w.-]+!")/;
const CI_ONLY = [
  [/VAE_EXAMPLE_BUDGET/g, 'the CI budget variable VAE_EXAMPLE_BUDGET'],
  [/runner:\s*(?:skip|budget)\b/g, 'a runner directive'],
];

/**
 * Checks one page. `site` is the site's root folder and `file` the page's path; `targets(path)`
 * gives the anchor ids of another file of the site (cached by the caller).
 * @returns one line per problem: `page:line: what is wrong`.
 */
export function checkPage(site, file, html, targets = (path) => anchorTargets(readFileSync(path, 'utf8'))) {
  const page = relative(site, file).split(sep).join('/');
  const problems = [];
  const report = (index, what) => problems.push(`${page}:${lineOf(html, index)}: ${what}`);

  for (const match of html.matchAll(LINK_TAG)) {
    report(match.index ?? 0, `unrendered {@link} tag: "${excerpt(html, match.index ?? 0)}"`);
  }

  for (const match of html.matchAll(/<a\b[^>]*>([\s\S]*?)<\/a>/gi)) {
    const text = visibleText(match[1] ?? '').trim();
    if (DECLARATION_REFERENCE.test(text)) {
      report(
        match.index ?? 0,
        `link text is a declaration reference ("${text}"): the site shows it literally; give the link a text ({@link ref | text}) or let the docs plugin shorten it`,
      );
    }
  }

  // The visible text with the page's line breaks kept, so a match reports the line it is on.
  const keepLines = (part) => part.replace(/[^\n]/g, '');
  const visible = decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, keepLines)
      .replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, keepLines)
      .replace(/<[^>]*>/g, keepLines),
  );
  for (const [pattern, what] of CI_ONLY) {
    for (const match of visible.matchAll(pattern)) {
      problems.push(
        `${page}:${lineOf(visible, match.index ?? 0)}: ${what} is visible to readers ("${excerpt(visible, match.index ?? 0)}"); keep CI-only text in a <!-- runner: ... --> comment before the fence`,
      );
    }
  }

  const ownTargets = anchorTargets(html);
  for (const link of pageLinks(html)) {
    const { value } = link;
    const where = () => `${page}:${lineOf(html, link.index)}`;
    if (/^(?:https?:)?\/\/[^/]*\.invalid(?:[:/]|$)/i.test(value)) {
      // The placeholder a package's own docs check maps cross-package links to
      // (cross-package-links.cjs): in the site it means a link resolved to nothing.
      problems.push(`${where()}: ${link.attribute}="${value}" points to a reserved .invalid host (an unresolved link)`);
      continue;
    }
    if (value === '' || value === '#' || EXTERNAL.test(value)) continue;
    if (value.startsWith('/')) {
      problems.push(
        `${where()}: ${link.attribute}="${value}" is site-absolute; it breaks when the site is opened from a file or served under a sub-path`,
      );
      continue;
    }
    const hashAt = value.indexOf('#');
    const pathPart = (hashAt >= 0 ? value.slice(0, hashAt) : value).replace(/\?.*$/, '');
    const fragment = hashAt >= 0 ? value.slice(hashAt + 1) : '';
    let target = file;
    if (pathPart !== '') {
      let decoded;
      try {
        decoded = decodeURIComponent(pathPart);
      } catch {
        problems.push(`${where()}: ${link.attribute}="${value}" is not a valid URL`);
        continue;
      }
      target = resolve(dirname(file), decoded);
      if (!existsSync(target) || !statSync(target).isFile()) {
        problems.push(`${where()}: ${link.attribute}="${value}" points to a missing file (${relative(site, target)})`);
        continue;
      }
    }
    if (fragment === '') continue;
    const ext = extname(target).toLowerCase();
    if (ext !== '.html' && ext !== '.svg' && ext !== '.htm') continue;
    let id;
    try {
      id = decodeURIComponent(fragment);
    } catch {
      id = fragment;
    }
    const ids = target === file ? ownTargets : targets(target);
    if (!ids.has(id) && !ids.has(fragment)) {
      problems.push(
        `${where()}: ${link.attribute}="${value}" names an anchor that ${target === file ? 'this page' : relative(site, target)} does not have`,
      );
    }
  }
  return problems;
}

function htmlFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) htmlFiles(path, out);
    else if (/\.html?$/i.test(name)) out.push(path);
  }
  return out;
}

/**
 * Checks every HTML page of a built site.
 * @returns one line per problem (`page:line: what is wrong`); empty when the site is clean.
 */
export function checkSite(site) {
  const root = resolve(site);
  if (!existsSync(join(root, 'index.html'))) return [`index.html: missing; the site at ${root} is not built`];
  const cache = new Map();
  const targets = (path) => {
    let ids = cache.get(path);
    if (!ids) {
      ids = anchorTargets(readFileSync(path, 'utf8'));
      cache.set(path, ids);
    }
    return ids;
  };
  return htmlFiles(root).flatMap((file) => checkPage(root, file, readFileSync(file, 'utf8'), targets));
}
