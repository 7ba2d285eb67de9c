#!/usr/bin/env node
// Sums the JSON reports every vitest run wrote (.vitest-report.json in each package) into one
// plain closing line, `N passed, N failed, N skipped`. A package whose tests did not report
// counts as one failure, so a crashed runner cannot pass silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps', 'tooling']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue;
    const report = join(dir, '.vitest-report.json');
    if (!existsSync(report)) {
      console.error(`test summary: ${dir} wrote no test report (its test run did not finish).`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A file that failed to load fails no test but fails its suite: count it once.
    if ((r.numFailedTests ?? 0) === 0 && (r.numFailedTestSuites > 0 || r.success === false)) {
      failed += Math.max(1, r.numFailedTestSuites ?? 0);
    }
    if ((r.numTotalTests ?? 0) === 0) {
      console.error(`test summary: ${dir} ran no test.`);
      failed += 1;
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
