import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistenceError } from '@vae/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWithSharp } from '../../test/helpers.js';
import { writeGif, writePng, writeSvg, writeTrainingReport } from './index.js';

const folder = await mkdtemp(join(tmpdir(), 'vae-viz-'));
afterAll(() => rm(folder, { recursive: true, force: true }));

const dot = (v: number) => ({ width: 2, height: 1, data: new Uint8ClampedArray([v, v, v, 255, 0, 0, 0, 255]) });

describe('@vae/viz/node writers', () => {
  it('writes PNG, GIF and SVG files into new folders, leaving no temporary file', async () => {
    await writePng(join(folder, 'a/b/grid.png'), dot(200));
    expect(Array.from((await decodeWithSharp(await readFile(join(folder, 'a/b/grid.png')))).data)).toEqual([
      200, 200, 200, 255, 0, 0, 0, 255,
    ]);
    await writeGif(join(folder, 'walk.gif'), [dot(1), dot(2), dot(3)], { delayMs: 40 });
    const sharp = (await import('sharp')).default;
    expect((await sharp(join(folder, 'walk.gif'), { animated: true }).metadata()).pages).toBe(3);
    await writeSvg(join(folder, 'plot.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(await readFile(join(folder, 'plot.svg'), 'utf8')).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces a report atomically and reports unwritable paths with a typed error', async () => {
    const path = join(folder, 'report.html');
    await writeFile(path, 'old');
    await writeTrainingReport(path, { title: 'New', history: [{ loss: 2 }, { loss: 1 }] });
    const html = await readFile(path, 'utf8');
    expect(html).toContain('<title>New</title>');
    // A folder where the file should go: the write fails and the error names the path.
    const blocked = join(folder, 'blocked');
    await writeFile(blocked, 'a file, not a folder');
    const attempt = writeTrainingReport(join(blocked, 'report.html'), { title: 'x' });
    await expect(attempt).rejects.toThrow(PersistenceError);
    await expect(attempt).rejects.toMatchObject({ reason: 'not-a-folder' });
    await expect(writeSvg(join(blocked, 'x.svg'), '<svg/>')).rejects.toThrow(
      /writeSvg: could not write .*blocked\/x\.svg/,
    );
    expect(await readFile(blocked, 'utf8')).toBe('a file, not a folder');
  });
});
