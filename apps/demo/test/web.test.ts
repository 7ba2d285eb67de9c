import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONFIG = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

describe.skipIf(!existsSync(CHROMIUM))('web page in headless Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await build({ configFile: CONFIG, logLevel: 'error' });
    server = await preview({ configFile: CONFIG, logLevel: 'error', preview: { host: '127.0.0.1', port: 0 } });
    url = server.resolvedUrls?.local[0] as string;
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
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains one epoch on wasm, the loss falls, and the latent explorer decodes a digit', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.selectOption('#preset', 'mlp-2d');
    await page.selectOption('#backend', 'wasm');
    await page.fill('#examples', '2048');
    await page.fill('#epochs', '1');
    await page.fill('#batch', '32');
    await page.click('#train');
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { vaeDemo: { done: boolean; error: string | null } }).vaeDemo;
        return s.done || s.error !== null;
      },
      undefined,
      { timeout: 90_000 },
    );
    const result = await page.evaluate(() => {
      const s = (
        window as unknown as { vaeDemo: { backend: string; error: string | null; losses: Array<{ loss: number }> } }
      ).vaeDemo;
      return { backend: s.backend, error: s.error, losses: s.losses.map((l) => l.loss) };
    });
    expect(result.error).toBeNull();
    expect(result.backend).toBe('wasm');
    expect(await page.textContent('#backend-name')).toBe('wasm');
    expect(result.losses.length).toBeGreaterThan(10);
    const head = result.losses.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const tail = result.losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(tail).toBeLessThan(head * 0.8);
    expect(await page.locator('#loss svg').count()).toBe(1);

    // Move the point: the arrow keys from where the test digits lie, then a click.
    const readZ = () => page.evaluate(() => (window as unknown as { vaeDemo: { z: number[] } }).vaeDemo.z);
    const start = await readZ();
    await page.focus('#explorer');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowUp');
    const moved = await readZ();
    expect(moved[0]).toBeCloseTo((start[0] as number) + 0.1, 5);
    expect(moved[1]).toBeCloseTo((start[1] as number) + 0.1, 5);
    expect(await page.textContent('#z')).toBe(
      `z = (${(moved[0] as number).toFixed(2)}, ${(moved[1] as number).toFixed(2)})`,
    );
    const box = await page.locator('#explorer').boundingBox();
    if (!box) throw new Error('the explorer canvas has no box');
    // Click where z = moved + (0.3, -0.3); the plane spans [-3, 3] on both axes, y upwards.
    const target = [(moved[0] as number) + 0.3, (moved[1] as number) - 0.3];
    await page.mouse.click(
      box.x + ((target[0] / 3 + 1) / 2) * box.width,
      box.y + (1 - (target[1] / 3 + 1) / 2) * box.height,
    );
    const clicked = await readZ();
    expect(clicked[0]).toBeCloseTo(target[0] as number, 1);
    expect(clicked[1]).toBeCloseTo(target[1] as number, 1);
    const pixels = await page.evaluate(() => {
      const canvas = document.getElementById('decoded') as HTMLCanvasElement;
      const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        canvas.width,
        canvas.height,
      ).data;
      let sum = 0;
      let sumSq = 0;
      let max = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        sum += data[i] as number;
        sumSq += (data[i] as number) ** 2;
        max = Math.max(max, data[i] as number);
      }
      const mean = sum / n;
      return { mean, max, std: Math.sqrt(sumSq / n - mean * mean), width: canvas.width };
    });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}web-demo.png`, fullPage: true });
    expect(pixels.width).toBe(224);
    expect(pixels.max).toBeGreaterThan(100); // some bright stroke pixels
    expect(pixels.std).toBeGreaterThan(15); // a stroke on a background, not a flat grey

    await page.fill('#from', '3');
    await page.fill('#to', '4');
    await page.click('#interpolate');
    expect(
      await page.evaluate(() => (document.getElementById('interpolation') as HTMLCanvasElement).width),
    ).toBeGreaterThan(100);

    await page.screenshot({ path: `${ARTIFACTS}web-demo.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
