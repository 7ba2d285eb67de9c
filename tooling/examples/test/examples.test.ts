// Every code example of the project runs as pasted: TSDoc @example blocks in packages/*/src,
// the guides in docs/guides, and the READMEs. Each runs in its own Node process (tsx loader) in
// an empty temporary working folder, two at a time, with VAE_EXAMPLE_BUDGET=small set.
// To skip one, put `<!-- runner: skip (reason) -->` on the line before its fence.
import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { findExamples } from '../src/extract.js';
import { RUN_DIR, runExample } from '../src/run.js';

const examples = findExamples();

beforeAll(() => rmSync(RUN_DIR, { recursive: true, force: true }));

describe('extraction', () => {
  it('finds the examples of every library and every guide', () => {
    const files = new Set(examples.map((e) => e.file));
    for (const prefix of [
      'packages/vae-core/src/',
      'packages/vae-datasets/src/',
      'packages/vae-viz/src/',
      'docs/guides/',
    ]) {
      expect(
        [...files].some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    expect(examples.length).toBeGreaterThan(80);
  });

  it('gives every skip a reason', () => {
    for (const example of examples.filter((e) => e.skip !== undefined)) {
      expect(example.skip?.trim().length, example.id).toBeGreaterThan(3);
    }
  });
});

describe.concurrent('examples', () => {
  for (const example of examples) {
    const name = example.skip ? `${example.id} (skipped: ${example.skip})` : example.id;
    it.skipIf(example.skip !== undefined)(name, async () => {
      const run = await runExample(example);
      if (run.exitCode !== 0) {
        const why = run.timedOut ? 'timed out' : `exited with ${run.exitCode}`;
        throw new Error(`${example.id} ${why} after ${Math.round(run.ms)} ms:\n${run.output.slice(-4000)}`);
      }
    });
  }
});
