// The checks that fail the docs build (docs/typedoc/site-checks.mjs, run by the site's typedoc
// plugin after writing docs/api), on fixture sites: a clean one passes; each fault a reader could
// meet is reported with its page and line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSite } from '../../../docs/typedoc/site-checks.mjs';

let site: string | undefined;

function makeSite(pages: Record<string, string>): string {
  site = mkdtempSync(join(tmpdir(), 'vae-site-'));
  for (const [path, content] of Object.entries(pages)) {
    mkdirSync(dirname(join(site, path)), { recursive: true });
    writeFileSync(join(site, path), content);
  }
  return site;
}

afterEach(() => {
  if (site) rmSync(site, { recursive: true, force: true });
  site = undefined;
});

// A page whose body starts on line 2; `root` leads from the page's folder to the site's root.
const page = (body: string, root = '') =>
  `<!DOCTYPE html><html><head><link rel="stylesheet" href="${root}assets/style.css"/></head><body>\n${body}\n</body></html>`;

// A clean site with what typedoc writes: nested pages, anchors, an svg sprite, external links,
// HTML comments with runner directives (invisible), entities in attributes.
const clean = {
  'index.html': page(
    [
      '<h2 id="start-here">Start here</h2>',
      '<a href="#start-here">here</a> <a href="functions/buildVAE.html#returns">buildVAE</a>',
      '<a href="documents/Getting_started.html?x=1&amp;y=2">Getting started</a>',
      '<a href="https://example.org/x">out</a> <a href="mailto:a@b.c">mail</a> <a href="#">top</a>',
      '<svg><use href="assets/icons.svg#icon-anchor"></use></svg>',
      '<!-- runner: budget take(8000) -> take(4) -->',
      '<pre><code>const x = train.take(8000);</code></pre>',
    ].join('\n'),
  ),
  'functions/buildVAE.html': page('<h4 id="returns">Returns</h4><a href="../index.html">home</a>', '../'),
  'documents/Getting_started.html': page('<p>Hello</p><script src="../assets/main.js"></script>', '../'),
  'assets/style.css': 'pre { white-space: pre; }',
  'assets/main.js': '// {@link is fine in a script file, only HTML pages are read}',
  'assets/icons.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="icon-anchor"></g></svg>',
};

function problemsWith(path: string, body: string): string[] {
  return checkSite(makeSite({ ...clean, [path]: page(body, path.includes('/') ? '../' : '') }));
}

describe('docs site checks', () => {
  it('pass a clean site', () => {
    expect(checkSite(makeSite(clean))).toEqual([]);
  });

  it('fail a site that is not built', () => {
    expect(checkSite(makeSite({ 'assets/style.css': '' }))[0]).toContain('index.html: missing');
  });

  it('fail on an unrendered {@link} tag', () => {
    const problems = problemsWith(
      'functions/buildVAE.html',
      '<p>See {@link @vae/core!VAE.fit} for more.</p><h4 id="returns">Returns</h4>',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^functions\/buildVAE\.html:2: unrendered \{@link\} tag/);
  });

  it('fail on a declaration reference shown as link text, in prose and in a table cell', () => {
    const problems = problemsWith(
      'index.html',
      [
        '<p><a href="functions/buildVAE.html" class="tsd-kind-function"> @vae/core!buildVAE</a></p>',
        '<table><tr><td><a href="index.html">@vae/core!</a></td></tr></table>',
        '<p><a href="index.html">buildVAE</a> <a href="index.html">Done!</a></p>',
      ].join('\n'),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('index.html:2: link text is a declaration reference ("@vae/core!buildVAE")');
    expect(problems[1]).toContain('index.html:3: link text is a declaration reference ("@vae/core!")');
  });

  it('fail on CI-only lines in a rendered snippet, but not in an invisible comment', () => {
    const problems = problemsWith(
      'documents/Getting_started.html',
      [
        '<!-- runner: skip (CI only, invisible) -->',
        '<pre><code><span class="hl-0">const</span> small = process.env.<span>VAE_EXAMPLE_BUDGET</span> === &#39;small&#39;;</code></pre>',
        '<pre><code>&lt;!-- runner: budget epochs: 30 -&gt; epochs: 1 --&gt;',
        'await vae.fit(x);</code></pre>',
      ].join('\n'),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/Getting_started\.html:3: the CI budget variable VAE_EXAMPLE_BUDGET is visible/);
    expect(problems[1]).toMatch(/Getting_started\.html:4: a runner directive is visible/);
  });

  it('fail on a link to a missing file, a missing anchor and a site-absolute path', () => {
    const problems = problemsWith(
      'documents/Getting_started.html',
      [
        '<a href="../functions/buildVAE.htm">typo</a>',
        '<a href="../functions/buildVAE.html#parameters">no such anchor</a>',
        '<a href="#nowhere">same page</a>',
        '<img src="../media/manifold.png"/>',
        '<svg><use href="../assets/icons.svg#icon-gone"></use></svg>',
        '<a href="/index.html">absolute</a>',
        '<a href="../functions/">a folder</a>',
        '<a href="https://vae.invalid/checked-by-the-root-docs-build">unresolved</a>',
      ].join('\n'),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^documents\/Getting_started\.html:2: href="..\/functions\/buildVAE.htm" points to a missing file/,
      ),
      expect.stringMatching(
        /:3: href="..\/functions\/buildVAE.html#parameters" names an anchor that functions\/buildVAE.html does not have/,
      ),
      expect.stringMatching(/:4: href="#nowhere" names an anchor that this page does not have/),
      expect.stringMatching(/:5: src="..\/media\/manifold.png" points to a missing file/),
      expect.stringMatching(
        /:6: href="..\/assets\/icons.svg#icon-gone" names an anchor that assets\/icons.svg does not have/,
      ),
      expect.stringMatching(/:7: href="\/index.html" is site-absolute/),
      expect.stringMatching(/:8: href="..\/functions\/" points to a missing file/),
      expect.stringMatching(
        /:9: href="https:\/\/vae.invalid\/checked-by-the-root-docs-build" points to a reserved .invalid host/,
      ),
    ]);
  });

  it('decode percent-escapes and entities in links before resolving them', () => {
    const pages = {
      ...clean,
      'documents/MLP,_CNN and GIFs.html': page('<h2 id="a&amp;b">x</h2>', '../'),
      'index.html': page('<a href="documents/MLP%2C_CNN%20and%20GIFs.html#a&amp;b">ok</a>'),
    };
    expect(checkSite(makeSite(pages))).toEqual([]);
  });
});
