import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors/index.js';

/**
 * Internal: `tf.tidy` whose first error wins. When `fn` throws on a wasm heap that has aborted,
 * tidy's own clean-up (freeing the scope's tensors) throws again and would replace the error
 * that says what went wrong; this rethrows the error of `fn` instead.
 */
export function tidyFirstError<T extends tf.TensorContainer>(fn: () => T): T {
  let first: { error: unknown } | undefined;
  try {
    return tf.tidy(() => {
      try {
        return fn();
      } catch (error) {
        first = { error };
        throw error;
      }
    });
  } catch (error) {
    throw first ? first.error : error;
  }
}

/**
 * Internal: runs `work`, then `cleanup`, like `try/finally`, except that a failing `cleanup` after
 * a failing `work` does not hide the first error (a `finally` that throws replaces it).
 */
export async function withCleanup<T>(work: () => Promise<T>, cleanup: () => void): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    try {
      cleanup();
    } catch {
      // The backend is already failing; the error of `work` says why.
    }
    throw error;
  }
  cleanup();
  return result;
}

/**
 * Internal: whether `error` is the WebAssembly runtime failing (the wasm backend's heap out of
 * bounds or out of memory, or an abort after one): such an error leaves the backend unusable.
 */
export function isWasmFailure(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const runtimeError = (globalThis as { WebAssembly?: { RuntimeError?: new () => Error } }).WebAssembly?.RuntimeError;
  if (runtimeError !== undefined && error instanceof runtimeError) return true;
  return (
    error.name === 'RuntimeError' ||
    /memory access out of bounds|out of memory|\bOOM\b|^abort(ed)?\b/i.test(error.message)
  );
}

/** What an evaluation was computing when the backend failed, for the error's message. */
export interface EvaluationWork {
  /** The function, e.g. `estimateNll`. */
  where: string;
  /** What was being computed, e.g. `the importance-weighted NLL (k = 20)`. */
  what: string;
  /** The most examples one decoder call decoded. */
  rowsPerCall: number;
  /** The shape of one example. */
  exampleShape: readonly number[];
  /** Examples per batch. */
  batchSize: number;
  /** How to make the work smaller, e.g. `pass a smaller importanceSamples or batchSize`. */
  fix: string;
}

/**
 * Internal: turns a WebAssembly runtime failure during evaluation into a {@link BackendError} that
 * names what was computed, the sizes and the fix; any other error passes through unchanged.
 */
export function evaluationFailure(error: unknown, work: EvaluationWork): unknown {
  if (!isWasmFailure(error)) return error;
  const values = work.rowsPerCall * work.exampleShape.reduce((a, b) => a * b, 1);
  let backend = 'wasm';
  try {
    backend = tf.getBackend();
  } catch {
    // an aborted backend may not even answer its name
  }
  return new BackendError(
    `${work.where}: the ${backend} backend failed (${error.name}: ${error.message}) while computing ${work.what} ` +
      `on batches of ${work.batchSize}, decoding up to ${work.rowsPerCall} examples of ${work.exampleShape.join('x')} ` +
      `(${values.toLocaleString('en-US')} values) per decoder call; the backend's memory ran out and it cannot be used further in this process. ` +
      `To fix: ${work.fix}, then run again in a new process.`,
    { backend, cause: error },
  );
}
