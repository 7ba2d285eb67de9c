import { ConfigError } from '@vae/core';
import {
  evalCommand,
  interpolateCommand,
  reconstructCommand,
  reportCommand,
  sampleCommand,
} from '../commands/inspect.js';
import { trainCommand } from '../commands/train.js';
import { PRESET_NAMES, PRESETS } from '../run/presets.js';
import type { TrainSettings } from '../run/settings.js';
import type { CliIO } from './io.js';
import { plural } from './words.js';

/**
 * What `vae demo` (and the repository's `npm run demo`) trains: a fully connected VAE with a 2-D
 * latent space on the 8,000 embedded training digits, 20 epochs, about a minute on two CPU cores
 * with the wasm backend. A 2-D latent space gives the pictures people look for: the manifold of
 * digits and the scatter of test digits by class. (The Keras conv preset needs far more steps to
 * leave the collapsed start on this data size: `vae train --preset keras-mnist`.)
 */
export const DEMO_DEFAULTS: Partial<TrainSettings> = {
  preset: 'mlp',
  title: 'VAE with a 2-D latent space on MNIST (the demo run)',
  description:
    'A fully connected VAE, 784-400-2 with relu, binary cross-entropy + KL, Adam 1e-3, batch 64, 20 epochs on the 8,000 embedded training digits; the 2,000 test digits validate.',
  latentDim: 2,
  epochs: 20,
  batchSize: 64,
  pictures: ['loss', 'manifold', 'scatter', 'reconstructions', 'samples'],
  backend: 'auto',
};

const COMMANDS: Record<string, { summary: string; run: (argv: readonly string[], io: CliIO) => Promise<number> }> = {
  demo: {
    summary: `the default run: a 2-D latent MLP VAE, ${plural(DEMO_DEFAULTS.epochs ?? 1, 'epoch')} on the embedded MNIST (flags of train apply)`,
    run: async (argv, io) => {
      io.out('vae demo: train a VAE on 8,000 real MNIST digits, then write pictures and an HTML report.');
      const hasOut = argv.some((a) => a === '--out' || a.startsWith('--out='));
      return trainCommand(hasOut ? argv : [...argv, '--out', 'runs/demo'], io, DEMO_DEFAULTS, 'demo');
    },
  },
  train: {
    summary: 'train a preset and write a run folder (model, pictures, report)',
    run: (a, io) => trainCommand(a, io),
  },
  sample: { summary: 'decode new images from N(0, I) of a saved run', run: sampleCommand },
  reconstruct: { summary: 'held-out examples beside their reconstructions', run: reconstructCommand },
  interpolate: { summary: 'a latent-space walk between two held-out examples', run: interpolateCommand },
  eval: { summary: 'negative ELBO and importance-weighted NLL of a saved run', run: evalCommand },
  report: { summary: 'write report.html of a saved run', run: reportCommand },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  const presets = PRESET_NAMES.map((n) => `  ${n.padEnd(15)} ${PRESETS[n]?.title}`);
  return [
    'usage: vae <command> [flags]     (vae <command> --help lists the flags)',
    '',
    'commands:',
    ...rows,
    '',
    'presets (vae train --preset <name>):',
    ...presets,
    '',
    'examples:',
    '  vae train --preset keras-mnist --epochs 3',
    '  vae train --preset cars128 --data ./cars --limit 512',
    '  vae sample --run runs/keras-mnist --n 100',
    '  vae eval --run runs/keras-mnist --importance-samples 1000',
    '',
  ].join('\n');
}

/** Runs one command line; returns the exit status. Known errors are thrown as `VAEError`s. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(usage());
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    throw new ConfigError(
      `unknown command '${command}'. Commands: ${Object.keys(COMMANDS).join(', ')}. Try vae --help.`,
      {
        field: 'command',
        expected: Object.keys(COMMANDS).join(' | '),
        got: command,
      },
    );
  }
  return entry.run(rest, io);
}
