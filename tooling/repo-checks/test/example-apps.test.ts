// Builds the example web apps (examples/vite, examples/webpack) the way a user does: our packages
// packed into tarballs and installed with npm beside the bundlers from the registry, each app
// built for production with its own `npm run build` command, its output served by a plain static
// server, and the page loaded in headless Chromium. The page trains a small VAE on the wasm
// backend with our training kernels. It also checks what a user sees when the server does not
// deliver the wasm binary: an error that names the binary's URL and what the server answered.
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarballs, packAll, repoRoot } from '../../../scripts/pack-tarballs.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXAMPLES = ['vite', 'webpack'] as const;
type Example = (typeof EXAMPLES)[number];

/** Where each example's build output is served from, relative to its folder. */
const SERVED: Record<Example, string> = { vite: 'dist', webpack: '.' };
/** Where each bundler writes the binaries, relative to the served folder. */
const BINARIES: Record<Example, string> = { vite: 'assets', webpack: 'dist' };

interface ExampleManifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts: { build: string };
}

/** What the example page reports on `window.vaeExample`. */
interface PageResult {
  done: boolean;
  error: string | null;
  backend: string;
  trainingKernels: boolean;
  kernelsRan: string[];
  losses: number[];
}

const manifests = Object.fromEntries(
  EXAMPLES.map((name) => [
    name,
    JSON.parse(readFileSync(join(repoRoot, 'examples', name, 'package.json'), 'utf8')) as ExampleManifest,
  ]),
) as Record<Example, ExampleManifest>;

let work: string;
let project: string;
let browser: Browser;
const servers: Server[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  work = mkdtempSync(join(tmpdir(), 'vae-examples-'));
  project = join(work, 'app');
  mkdirSync(project);
  const tarballs = packAll(join(work, 'tarballs'));
  // Our packages from the tarballs, everything else at the versions the examples ask for.
  const dependencies: Record<string, string> = {};
  const devDependencies: Record<string, string> = {};
  const ours: Record<string, string> = {};
  for (const manifest of Object.values(manifests)) {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      if (name.startsWith('@vae/')) {
        const tarball = tarballs[name];
        if (tarball === undefined) throw new Error(`the examples use ${name}, which is not a published package`);
        ours[name] = tarball;
      } else dependencies[name] = range;
    }
    Object.assign(devDependencies, manifest.devDependencies);
  }
  installTarballs(project, ours, { dependencies, devDependencies });
  for (const name of EXAMPLES) {
    cpSync(join(repoRoot, 'examples', name), join(project, name), {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
    });
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  if (work) rmSync(work, { recursive: true, force: true });
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` on 127.0.0.1 with the right types (`application/wasm` for the binaries).
 * `wasm: 'missing'` answers 404 for every `.wasm`; `'index-html'` answers them with the app's
 * index.html and status 200, as single-page-app servers do for paths they have no file for.
 */
async function serve(folder: string, wasm: 'served' | 'missing' | 'index-html' = 'served'): Promise<string> {
  const root = normalize(folder);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    let file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    if (extname(file) === '.wasm' && wasm === 'missing') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (extname(file) === '.wasm' && wasm === 'index-html') file = join(root, 'index.html');
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Runs the example's own build command, with the installed bundler on the PATH. */
function build(name: Example): void {
  const bin = join(project, 'node_modules', '.bin');
  execSync(manifests[name].scripts.build, {
    cwd: join(project, name),
    env: { ...process.env, PATH: `${bin}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}` },
    stdio: 'pipe',
  });
}

interface Visit {
  result: PageResult;
  text: string;
  consoleErrors: string[];
  wasmResponses: Array<{ url: string; status: number; type: string | undefined }>;
}

/** Opens the page, waits until it reports that training ended (or failed), and collects what it saw. */
async function visit(url: string): Promise<Visit> {
  const page: Page = await browser.newPage();
  const consoleErrors: string[] = [];
  const wasmResponses: Visit['wasmResponses'] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('response', (response) => {
    if (response.url().endsWith('.wasm')) {
      wasmResponses.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'] });
    }
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { vaeExample?: PageResult }).vaeExample?.done === true, {
      timeout: 90_000,
    });
    const result = await page.evaluate(() => (window as unknown as { vaeExample: PageResult }).vaeExample);
    return { result, text: (await page.textContent('body')) ?? '', consoleErrors, wasmResponses };
  } finally {
    await page.close();
  }
}

describe.each(EXAMPLES)('the %s example, built from the tarballs', (name) => {
  it('emits the three wasm binaries and trains on wasm with our kernels in Chromium', async () => {
    build(name);
    const served = join(project, name, SERVED[name]);
    const binaries = readdirSync(join(served, BINARIES[name])).filter((file) => file.endsWith('.wasm'));
    expect(binaries).toHaveLength(3);

    const { result, text, consoleErrors, wasmResponses } = await visit(await serve(served));
    expect(result.error).toBeNull();
    expect(result.backend).toBe('wasm');
    expect(result.trainingKernels).toBe(true);
    // An MLP VAE's step runs matrix products, sums and the Adam update: ours on wasm.
    expect(result.kernelsRan).toEqual(expect.arrayContaining(['BatchMatMul', '_FusedMatMul', 'Sum']));
    expect(result.kernelsRan.some((kernel) => /AdamUpdate$/i.test(kernel))).toBe(true);
    expect(result.losses).toHaveLength(5);
    for (const loss of result.losses) expect(Number.isFinite(loss)).toBe(true);
    expect(result.losses.at(-1)).toBeLessThan(result.losses[0] as number);
    expect(text).toMatch(/Backend\s*wasm/);
    expect(text).toMatch(/Training kernels of @vae\/backends\s*installed/);
    expect(text).toMatch(/\bdone\b/);
    // The page fetched the SIMD binary from the build output, served as WebAssembly.
    expect(wasmResponses.length).toBeGreaterThan(0);
    for (const response of wasmResponses) {
      expect(response).toMatchObject({ status: 200, type: 'application/wasm' });
      expect(binaries.some((file) => response.url.endsWith(`/${file}`))).toBe(true);
    }
    expect(consoleErrors).toEqual([]);
  });
});

describe('a page whose server does not deliver the wasm binary', () => {
  it.each([
    ['missing', /the server answered HTTP 404 Not Found/],
    [
      'index-html',
      /answered HTTP 200 as text\/html; charset=utf-8 with \d+ bytes that are not WebAssembly .*an HTML page/,
    ],
  ] as const)('(%s) fails with the URL of the binary and what the server answered', async (mode, answer) => {
    const served = join(project, 'vite', SERVED.vite);
    if (!existsSync(served)) build('vite'); // when run on its own
    const url = await serve(served, mode);
    const { result } = await visit(url);
    expect(result.backend).toBe('');
    const binary = `${url}assets/tfjs-backend-wasm-simd-`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(result.error).toMatch(
      new RegExp(
        `^useBackend\\('wasm'\\): the wasm backend did not start \\(tfjs is on 'cpu'\\): its binary could not be fetched from ${binary}[\\w-]+\\.wasm: `,
      ),
    );
    expect(result.error).toMatch(answer);
    expect(result.error).toMatch(/copy node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/\*\.wasm .* wasmPaths/);
    expect(result.error).not.toMatch(/npm i/);
  });
});
