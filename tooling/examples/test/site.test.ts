// Opens the built docs site (docs/api) in headless Chromium and checks that the landing page, a
// guide and an API page render as a reader should see them, and runs the site checks of the docs
// build (docs/typedoc/site-checks.mjs: unrendered links, CI-only text, dead links) on it.
// The site is built by the `docs` task first (turbo: this package's test depends on it).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { checkSite } from '../../../docs/typedoc/site-checks.mjs';
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

describe('docs site', () => {
  it('is built (run `pnpm run docs` first)', () => {
    expect(existsSync(join(SITE, 'index.html')), `${SITE}/index.html`).toBe(true);
  });

  it('passes the checks of the docs build: no unrendered link, no CI-only text, no dead link', () => {
    expect(checkSite(SITE)).toEqual([]);
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
        // One title; links read as names, not as declaration references; no CI-only lines.
        expect(await page.locator('h1').count(), path).toBe(1);
        expect(text, path).not.toMatch(/@vae\/[a-z-]+!|\{@link|VAE_EXAMPLE_BUDGET|runner:/);
        // Code keeps its lines: a block wider than the column scrolls instead of wrapping.
        const wrapping = await page.$$eval('pre', (pres) =>
          pres.filter((pre) => getComputedStyle(pre).whiteSpace !== 'pre').map((pre) => pre.textContent?.slice(0, 40)),
        );
        expect(wrapping, path).toEqual([]);
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
