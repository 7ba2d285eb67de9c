// The `vae` command line: train any preset, inspect saved runs, and the default demo run.
import { VAEError } from '@vae/core';
import { processIO } from './cli/io.js';
import { runCli } from './cli/run-cli.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), processIO);
} catch (error) {
  // Known errors are one line for the user; anything else keeps its stack for a bug report.
  if (VAEError.isInstance(error)) {
    process.stderr.write(`vae: ${(error as Error).message}\n`);
    process.exitCode = (error as Error).name === 'ConfigError' ? 2 : 1;
  } else {
    process.stderr.write(
      `vae: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
