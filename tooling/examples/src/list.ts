// Prints every example the runner finds, with its skip reason: `pnpm --filter @vae/examples-runner list`.
import { findExamples } from './extract.js';

for (const example of findExamples()) {
  console.log(`${example.id}${example.skip ? `  (skipped: ${example.skip})` : ''}`);
}
