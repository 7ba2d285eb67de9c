// Opens the HTML training report in headless Chromium (the Debian package at /usr/bin/chromium,
// driven by playwright-core; no browser is ever downloaded) and checks that a person would see
// the pictures: every image decodes, the page is not blank, and the console stays clean.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { trainingReport } from '../../src/index.js';
import { writeTrainingReport } from '../../src/node/index.js';
import { blobImages, linearVAE } from '../helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (!available && !inCi) {
  console.warn(
    `report-browser.test: SKIPPED, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
  );
}

// VAE_VIZ_KEEP=<folder> keeps the report and its screenshot there for a person to look at.
const keep = process.env.VAE_VIZ_KEEP;
if (keep) await mkdir(keep, { recursive: true });
const folder = keep ?? (await mkdtemp(join(tmpdir(), 'vae-viz-browser-')));
afterAll(() => (keep ? undefined : rm(folder, { recursive: true, force: true })));

/** Mean and standard deviation of the gray levels of a PNG screenshot. */
async function stats(png: Buffer): Promise<{ mean: number; std: number; colors: number }> {
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let squares = 0;
  const colors = new Set<number>();
  for (let i = 0; i < data.length; i += 3) {
    const v = (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    sum += v;
    squares += v * v;
    colors.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
  }
  const n = data.length / 3;
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, squares / n - mean * mean)), colors: colors.size };
}

describe.runIf(available || inCi)('training report in headless Chromium', () => {
  it('shows every picture with a clean console', async () => {
    if (!available) {
      throw new Error(
        `report-browser.test: no Chromium at ${CHROMIUM}. CI must install it (apt-get install -y chromium) so the report is checked in a real browser.`,
      );
    }
    const vae = linearVAE(3, { numClasses: 3 });
    const { x, labels } = blobImages(24);
    const path = join(folder, 'report.html');
    const history = Array.from({ length: 8 }, (_, i) => ({
      loss: 200 / (i + 1) + 100,
      valLoss: 210 / (i + 1) + 104,
      reconstruction: 190 / (i + 1) + 90,
      valReconstruction: 200 / (i + 1) + 93,
      kl: 10 + i,
      valKl: 11 + i,
    }));
    try {
      await writeTrainingReport(
        path,
        {
          title: 'Browser check',
          config: { latentDim: 3, numClasses: 3 },
          metrics: { 'test NLL': 123.4 },
          history,
          vae,
          data: { x, labels },
          classNames: ['left', 'middle', 'right'],
        },
        { walkFrames: 6, manifoldSteps: 8 },
      );
    } finally {
      x.dispose();
      vae.dispose();
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url().slice(0, 80)}`));
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
      const images = await page.$$eval('img', (elements) =>
        (elements as HTMLImageElement[]).map((img) => ({
          alt: img.alt,
          complete: img.complete,
          naturalWidth: img.naturalWidth,
          shownWidth: img.getBoundingClientRect().width,
        })),
      );
      // samples, reconstructions, manifold, interpolation, traversal + one walk per class
      expect(images).toHaveLength(5 + 3);
      for (const image of images) {
        expect(image.complete, image.alt).toBe(true);
        expect(image.naturalWidth, image.alt).toBeGreaterThan(0);
        expect(image.shownWidth, image.alt).toBeGreaterThan(0);
      }
      expect(await page.locator('svg.loss-curves polyline').count()).toBe(6);
      expect(await page.locator('svg.latent-scatter g.points circle').count()).toBe(24);
      expect(await page.locator('svg.latent-scatter .legend-entry').allTextContents()).toEqual([
        'left',
        'middle',
        'right',
      ]);
      // Each picture, as the browser paints it, has structure (not one flat colour).
      for (const [index, image] of images.entries()) {
        const shot = await page.locator('img').nth(index).screenshot();
        const { std } = await stats(shot);
        expect(std, image.alt).toBeGreaterThan(5);
      }
      const full = await page.screenshot({ fullPage: true });
      await writeFile(join(folder, 'report.png'), full);
      const { std, colors } = await stats(full);
      expect(std).toBeGreaterThan(10);
      expect(colors).toBeGreaterThan(50);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('renders a report without a model (curves only) without console errors', async () => {
    if (!available) throw new Error(`report-browser.test: no Chromium at ${CHROMIUM}.`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      await page.setContent(
        trainingReport({
          title: 'Curves',
          history: [
            { loss: 3, kl: 1 },
            { loss: 2, kl: 1.5 },
          ],
        }),
      );
      expect(await page.locator('h1').textContent()).toBe('Curves');
      expect(await page.locator('svg.loss-curves .panel').count()).toBe(2);
      expect(problems).toEqual([]);
      expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
