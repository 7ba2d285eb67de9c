import { spawnSync } from 'node:child_process';
import * as realFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildMlpVAE } from '../builders/index.js';
import { PersistenceError, VAEError } from '../errors/index.js';
import type { VAE } from '../models/index.js';
import { expectTensorClose } from '../testing/index.js';
import { loadVAE, saveVAE, writeFileAtomic, writeFolderAtomic } from './index.js';
import { type NodeFs, overrideNodeFs } from './node-fs.js';

let root: string;
beforeAll(async () => {
  root = await realFs.mkdtemp(path.join(tmpdir(), 'vae-core-atomic-'));
});
afterAll(async () => {
  await realFs.rm(root, { recursive: true, force: true });
});
afterEach(() => overrideNodeFs(undefined));

/** Node's own error shapes: ENOSPC from write(2) carries no path; mkdir's carry the path they were given. */
function nodeError(code: string, syscall: string, file?: string): Error {
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
  };
  const message = `${code}: ${words[code] ?? 'failed'}, ${syscall}${file === undefined ? '' : ` '${file}'`}`;
  return Object.assign(new Error(message), { code, syscall, ...(file === undefined ? {} : { path: file }) });
}

/**
 * The real file system, except that writes of files for which `failWrite` holds fail with
 * `code` (as a full disk does), and so does `mkdir` of folders for which `failMkdir` holds.
 */
function faultyFs(
  code: string,
  failWrite: (file: string) => boolean,
  failMkdir: (folder: string) => boolean = () => false,
): NodeFs {
  const fs = {
    ...realFs,
    open: async (file: string, flags: string) => {
      const handle = await realFs.open(file, flags);
      if (!failWrite(file)) return handle;
      return {
        writeFile: async () => {
          throw nodeError(code, 'write');
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
    mkdir: async (folder: string, options?: { recursive?: boolean }) => {
      if (failMkdir(folder)) throw nodeError(code, 'mkdir', folder);
      return realFs.mkdir(folder, options);
    },
  };
  return { fs: fs as unknown as typeof realFs, path };
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function expectSameOutputs(a: VAE, b: VAE): void {
  const z = tf.randomNormal([2, a.latentDim], 0, 1, 'float32', 5);
  expectTensorClose(b.decodeParams(z), a.decodeParams(z), { rtol: 1e-6, atol: 1e-7 });
  z.dispose();
}

async function siblings(dir: string): Promise<string[]> {
  const base = path.basename(dir);
  return (await realFs.readdir(path.dirname(dir))).filter((n) => n.startsWith(base)).sort();
}

const small = (seed: number): VAE => buildMlpVAE({ inputShape: [3], hiddenUnits: [2], latentDim: 2, seed });

describe('saving where it cannot', () => {
  it('a full disk gives a PersistenceError naming the target and the cause; the old model stays, no staging folder is left', async () => {
    const dir = path.join(root, 'full-disk', 'model');
    const url = `file://${dir}`;
    const old = small(1);
    await saveVAE(old, url);
    overrideNodeFs(faultyFs('ENOSPC', (file) => file.endsWith(path.join('encoder', 'weights.bin'))));
    const error = await caught(() => saveVAE(small(2), url));
    overrideNodeFs(undefined);

    expect(error).toBeInstanceOf(PersistenceError);
    const e = error as PersistenceError;
    expect([e.reason, e.code, e.location]).toEqual(['no-space', 'ENOSPC', url]);
    expect(e.message).toBe(
      `VAE.save: cannot write ${url}: no space is left on the device (ENOSPC while writing encoder/weights.bin). The previous contents of ${url}, if any, are unchanged. Free some space on the disk, or write to another disk.`,
    );
    expect((e.cause as Error).message).toBe('ENOSPC: no space left on device, write');
    expect(await siblings(dir)).toEqual(['model']);
    const again = await loadVAE(url);
    expectSameOutputs(old, again);
    again.dispose();
    old.dispose();
  });

  it('a read-only file system (injected EROFS) is named as such, with the target, not the staging folder', async () => {
    const dir = path.join(root, 'read-only', 'model');
    overrideNodeFs(
      faultyFs(
        'EROFS',
        () => false,
        (folder) => folder.includes('.tmp-'),
      ),
    );
    const vae = small(1);
    const error = await caught(() => saveVAE(vae, `file://${dir}`));
    expect(error).toBeInstanceOf(PersistenceError);
    const e = error as PersistenceError;
    expect([e.reason, e.code]).toEqual(['read-only', 'EROFS']);
    expect(e.message).toMatch(
      /^VAE\.save: cannot write file:\/\/.*read-only\/model: the file system is read-only \(EROFS while creating a staging folder beside it\)\. .*Write to a folder on a writable disk\.$/,
    );
    expect(e.message).not.toContain('.tmp-');
    vae.dispose();
  });

  it('no permission (injected EACCES) names the target and what to do', async () => {
    const file = path.join(root, 'no-permission', 'history.json');
    overrideNodeFs(
      faultyFs(
        'EACCES',
        () => false,
        () => true,
      ),
    );
    const error = await caught(() => writeFileAtomic(file, '{}'));
    expect(PersistenceError.isInstance(error)).toBe(true);
    expect((error as PersistenceError).reason).toBe('permission');
    expect((error as PersistenceError).message).toMatch(
      /^writeFileAtomic: cannot write .*no-permission\/history\.json: permission denied \(EACCES while creating its folder\)\. .*Write to a folder this user may write to/,
    );
  });

  // As root, chmod does not stop writes: this case runs only for ordinary users.
  it.skipIf(process.getuid?.() === 0)(
    'a folder without write permission (chmod 0555) gives a PersistenceError',
    async () => {
      const parent = path.join(root, 'chmod');
      await realFs.mkdir(parent);
      await realFs.chmod(parent, 0o555);
      try {
        const vae = small(1);
        const error = await caught(() => saveVAE(vae, `file://${parent}/model`));
        expect(error).toBeInstanceOf(PersistenceError);
        expect((error as PersistenceError).reason).toBe('permission');
        expect((error as PersistenceError).message).toMatch(/chmod\/model: permission denied \(EACCES/);
        vae.dispose();
      } finally {
        await realFs.chmod(parent, 0o755);
      }
    },
  );

  it('a path under a regular file (ENOTDIR, real file system) is "not a folder", even for root', async () => {
    const file = path.join(root, 'plain-file');
    await realFs.writeFile(file, 'not a folder');
    const vae = small(1);
    const error = await caught(() => saveVAE(vae, `file://${file}/sub/model`));
    expect(error).toBeInstanceOf(PersistenceError);
    const e = error as PersistenceError;
    expect([e.reason, e.code]).toEqual(['not-a-folder', 'ENOTDIR']);
    expect(e.message).toMatch(
      /^VAE\.save: cannot write file:\/\/.*plain-file\/sub\/model: a part of the path is a file, not a folder \(ENOTDIR while creating its parent folder\)/,
    );
    expect(await realFs.readFile(file, 'utf8')).toBe('not a folder');
    vae.dispose();
  });

  it('a file system whose recursive mkdir never returns (as under /proc) fails the save instead of hanging', async () => {
    // Node's mkdir(dir, { recursive: true }) loops forever where mkdir(2) answers ENOENT although
    // the parent exists; the writer must never wait on it.
    const target = path.join(root, 'virtual', 'model');
    await realFs.mkdir(path.dirname(target));
    const fs = {
      ...realFs,
      mkdir: (dir: string, options?: { recursive?: boolean }) => {
        if (options?.recursive) return new Promise<undefined>(() => undefined);
        if (dir === path.dirname(target)) return Promise.reject(nodeError('EEXIST', 'mkdir', dir));
        return Promise.reject(nodeError('ENOENT', 'mkdir', dir));
      },
    } as unknown as NodeFs['fs'];
    overrideNodeFs({ fs, path });
    const vae = small(1);
    const error = await caught(() => saveVAE(vae, `file://${target}`));
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).code).toBe('ENOENT');
    expect((error as PersistenceError).message).toMatch(/virtual\/model/);
    vae.dispose();
  });

  it.runIf(process.platform === 'linux')(
    'saving under /proc (real file system) fails at once with a PersistenceError',
    async () => {
      const vae = small(1);
      const error = await caught(() => saveVAE(vae, 'file:///proc/vae-model'));
      expect(error).toBeInstanceOf(PersistenceError);
      expect((error as PersistenceError).message).toMatch(/^VAE\.save: cannot write file:\/\/\/proc\/vae-model/);
      const logged = await caught(() => writeFileAtomic('file:///proc/vae-dir/file.json', '{}'));
      expect(logged).toBeInstanceOf(PersistenceError);
      vae.dispose();
    },
    20_000,
  );

  it('a file where the model folder should be is refused and left as it was', async () => {
    const file = path.join(root, 'a-file-not-a-model');
    await realFs.writeFile(file, 'keep me');
    const vae = small(1);
    const error = await caught(() => saveVAE(vae, `file://${file}`));
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).reason).toBe('not-a-folder');
    expect((error as PersistenceError).message).toMatch(
      /a-file-not-a-model: a file is there, not a folder\. The file is unchanged\./,
    );
    expect(await realFs.readFile(file, 'utf8')).toBe('keep me');
    expect(await siblings(file)).toEqual(['a-file-not-a-model']);
    vae.dispose();
  });

  it('writeFileAtomic on a full disk keeps the previous file and leaves no temporary file', async () => {
    const file = path.join(root, 'file-full', 'state.json');
    await writeFileAtomic(file, '{"old":true}');
    overrideNodeFs(faultyFs('ENOSPC', (f) => f.includes('.tmp-')));
    const error = await caught(() => writeFileAtomic(`file://${file}`, '{"new":true}'));
    overrideNodeFs(undefined);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).message).toMatch(
      /^writeFileAtomic: cannot write file:\/\/.*state\.json: no space is left on the device \(ENOSPC while writing the data\)\. The previous file, if any, is unchanged\./,
    );
    expect(await realFs.readFile(file, 'utf8')).toBe('{"old":true}');
    expect(await realFs.readdir(path.dirname(file))).toEqual(['state.json']);
  });

  it('writeFileAtomic onto a folder is "not a file"', async () => {
    const folder = path.join(root, 'is-a-folder');
    await realFs.mkdir(folder);
    const error = await caught(() => writeFileAtomic(folder, 'x'));
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).reason).toBe('not-a-file');
    expect((error as PersistenceError).message).toMatch(/is-a-folder: it is a folder, not a file\./);
  });

  it('a failing tf.io save handler gives a PersistenceError, not the raw error', async () => {
    const vae = small(1);
    const handler: tf.io.IOHandler = {
      save: async () => {
        throw new Error('QuotaExceededError: the quota has been exceeded');
      },
    };
    const error = await caught(() => saveVAE(vae, { encoder: handler, decoder: handler }));
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).message).toMatch(
      /^VAE\.save: cannot write the encoder to handlers: QuotaExceededError: the quota has been exceeded\./,
    );
    vae.dispose();
  });

  it('errors of a files function pass through unchanged; VAEErrors from the writer are typed', async () => {
    const dir = path.join(root, 'callback');
    await expect(writeFolderAtomic(dir, async () => Promise.reject(new RangeError('mine')))).rejects.toThrow(
      RangeError,
    );
    const error = await caught(() => writeFolderAtomic(dir, async (write) => write('../escape', 'x')));
    expect(VAEError.isInstance(error)).toBe(true);
    expect(await siblings(dir)).toEqual([]);
  });
});

describe('leftovers of crashed saves', () => {
  it('the next save removes staging folders and files whose writer is gone, and keeps a running writer’s', async () => {
    const dir = path.join(root, 'leftovers', 'model');
    const url = `file://${dir}`;
    await realFs.mkdir(path.dirname(dir), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const running = process.ppid;
    const crashedOld = `${dir}.tmp-m1abcd-3f`; // written by a version without the pid in the name
    const crashed = `${dir}.tmp-p${gone}-m1abce-4g`;
    const mine = `${dir}.tmp-p${process.pid}-m1abcf-5h`; // this process, no longer writing it
    const live = `${dir}.tmp-p${running}-m1abcg-6i`;
    for (const staging of [crashedOld, crashed, mine, live]) {
      await realFs.mkdir(path.join(staging, 'encoder'), { recursive: true });
      await realFs.writeFile(path.join(staging, 'encoder', 'weights.bin'), new Uint8Array(8));
    }
    await realFs.writeFile(`${dir}.tmp-notes.txt`, 'not ours');
    await realFs.writeFile(`${dir}-other.tmp-m1-2`, 'not ours');

    const vae = small(1);
    await saveVAE(vae, url);
    expect(await siblings(dir)).toEqual(
      ['model', 'model-other.tmp-m1-2', path.basename(live), 'model.tmp-notes.txt'].sort(),
    );

    const file = path.join(root, 'leftovers', 'history.json');
    await realFs.writeFile(`${file}.tmp-p${gone}-m1abch-7j`, 'half');
    await writeFileAtomic(file, '[]');
    expect(await siblings(file)).toEqual(['history.json']);
    vae.dispose();
  });
});
