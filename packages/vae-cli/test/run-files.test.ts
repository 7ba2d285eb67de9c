import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { type FlagSpecs, numberFlag, parseFlags } from '../src/cli/parse.js';
import { PRESETS } from '../src/run/presets.js';
import { readConfigFile } from '../src/run/resolve-settings.js';
import { openRun, RunFolder, type RunRecord } from '../src/run/run-folder.js';
import { runCli, tempDir } from './helpers.js';

/** A complete, valid run record, as `vae train` writes it. */
function validRecord(): RunRecord {
  return {
    settings: structuredClone(PRESETS['mlp']!),
    backend: { name: 'cpu', tfjsName: 'cpu', wasmTrainingKernels: false },
    workers: 1,
    engine: {
      description: 'in-thread (cpu)',
      reasons: ['the workers train on wasm, not cpu: training in-thread on cpu'],
    },
    status: 'completed',
    seconds: 3.5,
    steps: 4,
    params: 1000,
    started: '2026-01-01T00:00:00.000Z',
    updated: '2026-01-01T00:00:04.000Z',
  };
}

/** A run folder with `config.json` holding `text` and an (empty) checkpoint. */
async function fakeRun(text: string): Promise<string> {
  const dir = join(await tempDir(), 'run');
  await mkdir(join(dir, 'checkpoint'), { recursive: true });
  await writeFile(join(dir, 'checkpoint', 'vae.json'), '{}');
  await writeFile(join(dir, 'config.json'), text);
  return dir;
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('run folder files: atomic writes', () => {
  it('replaces a JSON file by renaming a complete temporary file over it, leaving none behind', async () => {
    const run = new RunFolder(join(await tempDir(), 'run'));
    await run.create();
    await run.writeJson('config.json', { a: 1 });
    const before = await stat(run.path('config.json'));
    await run.writeJson('config.json', { a: 2 });
    const after = await stat(run.path('config.json'));
    // An in-place write keeps the inode; a rename puts a new file under the name.
    expect(after.ino).not.toBe(before.ino);
    expect(JSON.parse(await readFile(run.path('config.json'), 'utf8'))).toEqual({ a: 2 });
    expect(await readdir(run.dir)).toEqual(['config.json']);
  });
});

describe('run folder files: config.json and history.json are checked when read', () => {
  it('reads a valid record back', async () => {
    const dir = await fakeRun(JSON.stringify(validRecord()));
    const record = await (await openRun('--resume', dir, 'checkpoint')).readRecord();
    expect(record).toEqual(validRecord());
  });

  it('names the file and says the checkpoint is intact when config.json is torn', async () => {
    const text = JSON.stringify(validRecord(), null, 2);
    const dir = await fakeRun(text.slice(0, text.length / 2));
    const run = await openRun('--resume', dir, 'checkpoint');
    const error = await configErrorOf(run.readRecord());
    expect(error.field).toBe('config.json');
    expect(error.message).toMatch(
      /^--resume .*run: .*run\/config\.json: not valid JSON \(.*\)\. The file is corrupt, but the checkpoint in .*run\/checkpoint is intact: config\.json only holds the run's settings\. To continue, give them again: vae train --resume .*run --preset mlp \(with the --config file and flags the run was started with\); it resumes from the checkpoint and writes config\.json anew\.$/,
    );
  });

  it('names the field of a record that parses but is wrong', async () => {
    const cases: Array<[(r: Record<string, unknown>) => void, string, RegExp]> = [
      [
        (r) => {
          (r['settings'] as Record<string, unknown>)['lr'] = 'fast';
        },
        'settings.lr',
        /config\.json: settings: lr must be number, got "fast"\. The file is corrupt/,
      ],
      [
        (r) => {
          (r['settings'] as Record<string, unknown>)['epochs'] = -1;
        },
        'settings.epochs',
        /config\.json: settings: epochs must be an integer >= 1, got -1\. The file is corrupt/,
      ],
      [
        (r) => {
          delete (r['settings'] as Record<string, unknown>)['batchSize'];
        },
        'settings.batchSize',
        /config\.json: settings\.batchSize must be present \(a run records every setting\), got nothing\. The file is corrupt/,
      ],
      [
        (r) => {
          r['status'] = 'done';
        },
        'status',
        /config\.json: status must be 'running' \| 'completed' \| 'interrupted' \| 'failed', got "done"\. The file is corrupt/,
      ],
      [
        (r) => {
          r['steps'] = -2;
        },
        'steps',
        /config\.json: steps must be an integer >= 0, got -2\./,
      ],
      [
        (r) => {
          r['engine'] = { description: 'in-thread (cpu)', reasons: 'fastest' };
        },
        'engine',
        /config\.json: engine must be \{ description, reasons \} \(strings\), got \{"description":"in-thread \(cpu\)","reasons":"fastest"\}\./,
      ],
      [
        (r) => {
          r['baseline'] = { name: 'the mlp preset', settings: { epochs: 'ten' } };
        },
        'baseline.settings.epochs',
        /config\.json: baseline\.settings: epochs must be an integer, got "ten"\. The file is corrupt/,
      ],
      [
        (r) => {
          r['baseline'] = { settings: {} };
        },
        'baseline',
        /config\.json: baseline must be \{ name, settings \} \(a string and an object of settings\), got \{"settings":\{\}\}\./,
      ],
    ];
    for (const [spoil, field, message] of cases) {
      const record = validRecord() as unknown as Record<string, unknown>;
      spoil(record);
      const run = await openRun('--run', await fakeRun(JSON.stringify(record)), 'config');
      const error = await configErrorOf(run.readRecord());
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('reads a missing history.json as no epochs, and rejects a torn or wrong one naming the field', async () => {
    const dir = await fakeRun(JSON.stringify(validRecord()));
    const run = await openRun('--run', dir);
    expect(await run.readHistory()).toEqual([]);
    await writeFile(run.path('history.json'), '{ "epochs": [ { "epoch": 0, "lo');
    const torn = await configErrorOf(run.readHistory());
    expect(torn.field).toBe('history.json');
    expect(torn.message).toMatch(
      /^--run .*run: .*run\/history\.json: not valid JSON \(.*\)\. The file is corrupt; it only holds the loss per epoch for the report: delete it to go on without the loss curve, or train the run again\.$/,
    );
    await writeFile(run.path('history.json'), JSON.stringify({ epochs: [{ epoch: 0, loss: 'high' }] }));
    const wrong = await configErrorOf(run.readHistory());
    expect(wrong.field).toBe('epochs[0].loss');
    expect(wrong.message).toMatch(/history\.json: epochs\[0\]\.loss must be a number, got "high"\./);
  });

  it('says an empty --config file is empty, and how to fix it', async () => {
    const path = join(await tempDir(), 'empty.json');
    await writeFile(path, '');
    const error = await configErrorOf(readConfigFile(path));
    expect(error.field).toBe('config');
    expect(error.message).toMatch(
      /^--config .*empty\.json: not valid JSON \(.*, the file is empty\)\. Fix the file \(a JSON object of settings/,
    );
  });
});

describe('numeric flags with negative values', () => {
  const specs: FlagSpecs = {
    preset: { type: 'string', help: 'preset' },
    epochs: { type: 'string', help: 'epochs' },
    lr: { type: 'string', help: 'rate' },
  };

  it('reads `--epochs -3` as a value, so the range check names the flag', () => {
    const parsed = parseFlags('train', ['--preset', 'mlp', '--epochs', '-3', '--lr', '-1e-3'], specs);
    expect(parsed.values['epochs']).toBe('-3');
    expect(parsed.values['lr']).toBe('-1e-3');
    expect(() => numberFlag('train', parsed, 'epochs', { integer: true, min: 1 })).toThrow(
      new ConfigError('train: --epochs must be an integer >= 1, got "-3".', {
        field: 'train: --epochs',
        expected: 'an integer',
        got: '-3',
      }),
    );
  });

  it('gives the range error on the command line, not "argument is ambiguous"', async () => {
    const dir = await tempDir();
    for (const [flag, value, message] of [
      ['--epochs', '-3', 'vae: train: --epochs must be an integer >= 1, got "-3".'],
      ['--lr', '-0.5', 'vae: train: --lr must be a number between 1e-12 and 10, got "-0.5".'],
      ['--seed', '-1', 'vae: train: --seed must be an integer between 0 and 2147483647, got "-1".'],
    ] as const) {
      const r = await runCli(['train', '--preset', 'mlp', flag, value], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${message}\n`);
    }
  });
});

describe('vae train --resume with a torn config.json', () => {
  it('says the checkpoint is intact and how to continue; giving the settings again resumes the run', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const flags = ['--limit', '64', '--batch-size', '32', '--backend', 'cpu'];
    const first = await runCli(['train', '--preset', 'mlp', ...flags, '--epochs', '1', '--out', out], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const text = await readFile(join(out, 'config.json'), 'utf8');
    await writeFile(join(out, 'config.json'), text.slice(0, 200)); // a write cut short by a crash

    const torn = await runCli(['train', '--resume', out, '--epochs', '2'], dir);
    expect(torn.code).toBe(2);
    expect(torn.stderr).not.toMatch(/unexpected error|SyntaxError|\n\s+at /);
    expect(torn.stderr.trim().split('\n')).toHaveLength(1);
    expect(torn.stderr).toMatch(/^vae: --resume .*run: .*run\/config\.json: not valid JSON \(/);
    expect(torn.stderr).toContain(
      // The folder as typed, relative to the working directory.
      "the checkpoint in run/checkpoint and the model in run/model are intact: config.json only holds the run's settings. To continue, give them again: vae train --resume run --preset <name> (with the --config file and flags the run was started with); it resumes from the checkpoint and writes config.json anew.",
    );

    // The command it suggests: the run resumes from its checkpoint and config.json is whole again.
    const resumed = await runCli(['train', '--resume', out, '--preset', 'mlp', ...flags, '--epochs', '2'], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming mlp: 2 epochs/);
    const record = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(record.status).toBe('completed');
    expect(record.steps).toBe(4); // 2 batches of 32 per epoch: 2 from the checkpoint, 2 more
    expect(record.settings.limit).toBe(64);
  }, 120_000);
});

describe("the run's training logs beside history.json", () => {
  it('writes log.csv, log.jsonl and a TensorBoard event file; a resumed run appends its epochs', async () => {
    const dir = await tempDir();
    const out = join(dir, 'run');
    const flags = ['--limit', '64', '--batch-size', '32', '--backend', 'cpu'];
    const first = await runCli(['train', '--preset', 'mlp', ...flags, '--epochs', '1', '--out', out], dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const f of ['log.csv', 'log.jsonl', 'tensorboard/']) expect(first.stdout).toContain(`  ${f}\n`);
    const resumed = await runCli(['train', '--resume', out, '--epochs', '2'], dir);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);

    // One header and one row per epoch, the second written by the resumed run.
    const csv = (await readFile(join(out, 'log.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(3);
    const header = (csv[0] ?? '').split(',');
    expect(header[0]).toBe('epoch');
    const loss = header.indexOf('loss');
    expect(loss).toBeGreaterThan(0);
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8'));
    expect(history.epochs).toHaveLength(2);
    for (const [i, line] of csv.slice(1).entries()) {
      const cells = line.split(',');
      expect(Number(cells[0])).toBe(i);
      expect(Number(cells[loss])).toBeCloseTo(history.epochs[i].loss, 4);
    }

    // JSON Lines: every line parses, and both epochs' rows are there.
    const rows = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.filter((r) => r.batch === undefined).map((r) => r.epoch)).toEqual([0, 1]);

    // TensorBoard: one event file per run, each opening with its length-prefixed file-version record.
    const events = (await readdir(join(out, 'tensorboard'))).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(events).toHaveLength(2);
    for (const f of events) {
      const bytes = await readFile(join(out, 'tensorboard', f));
      expect(bytes.length).toBeGreaterThan(100);
      expect(bytes.toString('latin1')).toContain('brain.Event:2');
      expect(bytes.toString('latin1')).toContain('epoch/loss');
    }
  }, 120_000);
});
