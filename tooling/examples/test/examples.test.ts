// Every code example of the project runs as pasted: TSDoc @example blocks in packages/*/src,
// the guides in docs/guides, and the READMEs. Each runs in its own Node process (tsx loader) in
// an empty temporary working folder, two at a time, on the budget of its runner directives
// (`<!-- runner: budget from -> to -->` before the fence; see src/extract.ts).
// To skip one, put `<!-- runner: skip (reason) -->` on the line before its fence.
import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { findExamples, findStrayDirectives } from '../src/extract.js';
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

  it('shows readers no CI-only lines: the budget switch lives in runner directives', () => {
    const leaking = examples.filter((e) => /VAE_EXAMPLE_BUDGET|runner:\s*(skip|budget)/.test(e.code)).map((e) => e.id);
    expect(leaking).toEqual([]);
  });

  it('applies every runner directive: each budget substitution matches, none is unknown or stray', () => {
    const problems = examples.flatMap((e) => e.problems.map((p) => `${e.id}: ${p}`));
    expect([...problems, ...findStrayDirectives()]).toEqual([]);
    // The guides that train for real run on a smaller budget in CI than what readers see.
    const budgeted = examples.filter((e) => e.budget.length > 0);
    expect(budgeted.length).toBeGreaterThan(10);
    for (const example of budgeted) expect(example.runCode, example.id).not.toBe(example.code);
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
      if (example.problems.length > 0) throw new Error(`${example.id}: ${example.problems.join('; ')}`);
      const run = await runExample(example);
      if (run.exitCode !== 0) {
        const why = run.timedOut ? 'timed out' : `exited with ${run.exitCode}`;
        throw new Error(`${example.id} ${why} after ${Math.round(run.ms)} ms:\n${run.output.slice(-4000)}`);
      }
    });
  }
});
