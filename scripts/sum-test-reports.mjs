#!/usr/bin/env node
// Sums the JSON reports every vitest run wrote (.vitest-report.json in each package) into one
// plain closing line, `N passed, N failed, N skipped`. A package whose tests did not report
// counts as one failure, so a crashed runner cannot pass silently. Each failed test is named
// on a line of its own just above the summary, so the tail of a CI log says what failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
/** One line per failed test or test file, printed last so a log's tail names them. */
const failures = [];
const firstLine = (text) =>
  String(text ?? '')
    .split('\n')
    .find((l) => l.trim() !== '') ?? '';
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
    for (const file of r.testResults ?? []) {
      const where = join(dir, relative(resolve(dir), file.name));
      const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of failedTests) {
        failures.push(`FAILED ${where} > ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0]).slice(0, 300)}`);
      }
      if (failedTests.length === 0 && file.status === 'failed') {
        failures.push(`FAILED ${where} (the file did not run): ${firstLine(file.message).slice(0, 300)}`);
      }
    }
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
for (const line of failures) console.log(line);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
