// The training workers seen from the main thread: one queue of requests per worker, failures
// turned into typed errors. Node's worker_threads are reached through `process.getBuiltinModule`,
// so this module (and the main entry that imports it) carries no `node:` import for bundlers.
import { BackendError, ConfigError } from '@vae/core';
import type { FromWorker, ToWorker } from './protocol.js';

/** The part of Node's `Worker` the pool uses. */
interface NodeWorker {
  on(event: 'message', listener: (message: FromWorker) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): Promise<number>;
}

type WorkerConstructor = new (script: string | URL) => NodeWorker;

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };

function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

/**
 * Why worker threads cannot start here, or `undefined` when they can: they need Node with
 * `process.getBuiltinModule` (20.16 and later).
 */
export function workerThreadsUnavailable(): string | undefined {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  if (typeof proc?.versions?.node !== 'string') return 'worker threads need Node (this is not Node)';
  if (builtin<{ Worker?: unknown }>('node:worker_threads')?.Worker === undefined) {
    return `worker threads need Node 20.16 or later (process.getBuiltinModule), this is Node ${proc.versions.node}`;
  }
  return undefined;
}

/** The number of cores Node reports (`os.availableParallelism()`), 1 where unknown. */
export function availableCores(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus?: () => unknown[] }>('node:os');
  return os?.availableParallelism?.() ?? os?.cpus?.().length ?? 1;
}

function workerClass(): WorkerConstructor {
  const why = workerThreadsUnavailable();
  if (why !== undefined) {
    throw new BackendError(`createParallelTrainer: ${why}. Train in-thread instead (the default engine does).`, {
      backend: 'wasm',
    });
  }
  return (builtin<{ Worker: WorkerConstructor }>('node:worker_threads') as { Worker: WorkerConstructor }).Worker;
}

interface Pending {
  resolve(message: FromWorker): void;
  reject(error: unknown): void;
}

/** One worker and its queue of requests (the worker answers them in order). */
export class WorkerHandle {
  private readonly queue: Pending[] = [];
  private failure: unknown;

  constructor(
    readonly worker: NodeWorker,
    private readonly describe: string,
  ) {
    worker.on('message', (message: FromWorker) => {
      const pending = this.queue.shift();
      if (message.type === 'failed') {
        pending?.reject(this.error(message.message, message.name));
        return;
      }
      pending?.resolve(message);
    });
    worker.on('error', (error) => this.fail(this.error(error.message, error.name, error)));
    worker.on('exit', (code) => {
      if (this.queue.length > 0) this.fail(this.error(`exited with code ${code}`, 'Error'));
    });
  }

  private error(message: string, name: string, cause?: unknown): Error {
    const text = `createParallelTrainer: ${this.describe} failed: ${message}`;
    if (name === 'ConfigError')
      return new ConfigError(text, { field: 'replica', expected: 'a valid replica module', got: message });
    return new BackendError(`${text} Check the replica module and that the backend starts in a worker.`, {
      backend: 'wasm',
      ...(cause === undefined ? {} : { cause }),
    });
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  /** Sends a message; resolves with the worker's answer, rejects with a typed error. */
  request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }
}

/** The workers of one trainer. */
export class WorkerPool {
  readonly handles: WorkerHandle[];
  /** The generation of the next step's first barrier (the workers' barriers count generations). */
  private generation = 1;

  constructor(script: string | URL, count: number) {
    const Worker = workerClass();
    this.handles = Array.from(
      { length: count },
      (_, i) => new WorkerHandle(new Worker(script), `worker ${i + 1} of ${count}`),
    );
  }

  /** How many workers run. */
  get count(): number {
    return this.handles.length;
  }

  /** Sends every worker its message and waits for all the answers. */
  all(make: (index: number) => ToWorker): Promise<FromWorker[]> {
    return Promise.all(this.handles.map((h, i) => h.request(make(i))));
  }

  /** Sends worker 0 a message. */
  first(message: ToWorker): Promise<FromWorker> {
    return (this.handles[0] as WorkerHandle).request(message);
  }

  /**
   * The first barrier generation of a step that takes `barriers` of them, reserving them all
   * (the workers' barrier counts only grow).
   */
  reserve(barriers: number): number {
    const start = this.generation;
    this.generation += barriers;
    return start;
  }

  /** Stops every worker. */
  async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
