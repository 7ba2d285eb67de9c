// Opens the built docs site (docs/api) in headless Chromium and checks that the landing page, a
// guide and an API page render, and that no internal link of the site points at a missing file.
// The site is built by the `docs` task first (turbo: this package's test depends on it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/extract.js';

const SITE = join(REPO_ROOT, 'docs/api');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function htmlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) htmlFiles(path, out);
    else if (name.endsWith('.html')) out.push(path);
  }
  return out;
}

describe('docs site', () => {
  it('is built (run `pnpm run docs` first)', () => {
    expect(existsSync(join(SITE, 'index.html')), `${SITE}/index.html`).toBe(true);
  });

  it('has no internal link to a missing file or anchor target page', () => {
    const broken: string[] = [];
    for (const file of htmlFiles(SITE)) {
      const html = readFileSync(file, 'utf8');
      for (const [, href] of html.matchAll(/\shref="([^"]+)"/g)) {
        if (!href || /^(https?:|mailto:|#|data:|javascript:)/.test(href)) continue;
        const target = resolve(dirname(file), decodeURI(href.split('#')[0] ?? ''));
        if (!existsSync(target)) broken.push(`${relative(SITE, file)} -> ${href}`);
      }
      // A link that resolved to no declaration would point outside the site: none may.
      expect(html, relative(SITE, file)).not.toContain('vae.invalid');
    }
    expect(broken).toEqual([]);
  });

  it('renders the landing page, a guide and an API page in Chromium', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`site.test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const documents = readdirSync(join(SITE, 'documents'));
      const guide = documents.find((f) => f.toLowerCase().includes('getting'));
      expect(guide, documents.join(', ')).toBeDefined();
      const pages: Array<[string, string]> = [
        ['index.html', 'Variational Autoencoders'],
        [`documents/${guide}`, 'Getting started'],
        ['classes/_vae_core.VAE.html', 'VAE'],
      ];
      for (const [path, heading] of pages) {
        await page.goto(pathToFileURL(join(SITE, path)).href);
        await page.waitForSelector('.tsd-page-title, .tsd-panel h1, h1');
        const text = await page.locator('body').innerText();
        expect(text, path).toContain(heading);
        // Rendered code blocks and a navigation tree, not a blank page.
        expect(await page.locator('nav, .tsd-navigation').count(), path).toBeGreaterThan(0);
        // Every internal link on the rendered page resolves to an existing file.
        const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
        for (const href of hrefs.filter((h) => h.startsWith('file://'))) {
          const file = decodeURI(new URL(href).pathname);
          expect(existsSync(file), `${path} links to ${href}`).toBe(true);
        }
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
