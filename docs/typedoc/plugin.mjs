// The site's typedoc plugin (root typedoc.json only):
//
// 1. Link text of cross-package links. A link written without text, such as
//    `{@link @vae/core!buildVAE}`, gets its declaration reference as text, because typedoc's
//    `preserveLinkText` (on by default) keeps what was written; the site then shows
//    "@vae/core!buildVAE", and `{@link @vae/core!}` shows "@vae/core!". Turning the option off
//    would shorten in-package links too (`{@link VAE.fit}` would read "fit"), so instead this
//    plugin drops only the package part once links are resolved: "buildVAE", "VAE.fit",
//    "@vae/core". Links with their own text (`{@link @vae/core!VAE.fit | vae.fit}`) keep it.
// 2. Checks of the written site (docs/typedoc/site-checks.mjs): an unrendered {@link}, link text
//    that is still a declaration reference, CI-only text visible to readers, dead links. Each
//    problem is logged as an error, so `typedoc` (and `pnpm run docs`) exits non-zero.
import { Application, Converter, RendererEvent } from 'typedoc';
import { checkSite } from './site-checks.mjs';

const LINK_TAGS = new Set(['@link', '@linkcode', '@linkplain']);
// `@scope/name!rest` (rest may be empty) or `name!rest` with a non-empty rest, as one token: a
// declaration reference, not prose such as "Done!".
const PACKAGE_REFERENCE = /^\s*(?:(@[\w.-]+\/[\w.-]+)!(\S*)|([\w.-]+)!(\S+))\s*$/;

/**
 * The text a link should show instead of a declaration reference written as its text, or
 * undefined when the text is not one (`@vae/core!VAE.fit` -> `VAE.fit`, `@vae/core!` ->
 * `@vae/core`, `@vae/viz!"@vae/viz/node".writePng` -> `writePng`,
 * `@vae/viz!"@vae/viz/node"` -> `@vae/viz/node`).
 */
export function shortLinkText(text) {
  const match = PACKAGE_REFERENCE.exec(text);
  if (!match) return undefined;
  const packageName = match[1] ?? match[3] ?? '';
  const rest = match[2] ?? match[4] ?? '';
  const module = /^"([^"]*)"\.?/.exec(rest.trim());
  const path = module ? rest.trim().slice(module[0].length) : rest.trim();
  const shown = path
    .replace(/\(\d+\)$/, '') // overload index
    .replace(/:[\w-]+$/, '') // meaning (`:function`, `:class`)
    .replace(/[#~]/g, '.');
  return shown || module?.[1] || packageName;
}

function shortenParts(parts) {
  if (!Array.isArray(parts)) return;
  for (const part of parts) {
    if (part.kind !== 'inline-tag' || !LINK_TAGS.has(part.tag) || part.target === undefined) continue;
    const shown = shortLinkText(part.text);
    if (shown !== undefined) part.text = shown;
  }
}

function shortenComment(comment) {
  if (!comment) return;
  shortenParts(comment.summary);
  for (const tag of comment.blockTags ?? []) shortenParts(tag.content);
}

/** Every place typedoc resolves links in (see its linkResolver): comments, readmes, documents, groups. */
function shortenReflection(reflection) {
  shortenComment(reflection.comment);
  shortenParts(reflection.readme);
  shortenParts(reflection.content);
  for (const group of reflection.groups ?? []) {
    shortenParts(group.description);
    for (const category of group.categories ?? []) shortenParts(category.description);
  }
  for (const category of reflection.categories ?? []) shortenParts(category.description);
  for (const parts of reflection.type?.elementSummaries ?? []) shortenParts(parts);
  if (reflection.type?.highlightedProperties) {
    for (const parts of reflection.type.highlightedProperties.values()) shortenParts(parts);
  }
}

function shortenProject(project) {
  shortenReflection(project);
  for (const reflection of Object.values(project.reflections)) shortenReflection(reflection);
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  // After typedoc's LinkResolverPlugin (priority -300): per converted project, and once more for
  // the merged project of an `entryPointStrategy: "packages"` build, where cross-package links
  // resolve.
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => shortenProject(context.project), -400);
  app.on(Application.EVENT_PROJECT_REVIVE, (project) => shortenProject(project), -400);

  let outputDirectory;
  app.renderer.on(RendererEvent.BEGIN, (event) => {
    outputDirectory = event.outputDirectory;
  });
  // After every output file (pages, assets, search index) is written.
  app.on(Application.EVENT_GENERATE_OUTPUTS_END, () => {
    if (outputDirectory === undefined) return;
    const problems = checkSite(outputDirectory);
    for (const problem of problems) app.logger.error(`docs site: ${problem}`);
    if (problems.length === 0) app.logger.info('docs site: links, link texts and code blocks checked');
    outputDirectory = undefined;
  });
}
