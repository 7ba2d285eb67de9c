import type * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, runKernel, shareData } from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/**
 * A replacement for the wasm `Identity` kernel that shares the input's buffer (as the cpu
 * backend does) instead of copying it; the tape of every training step runs dozens of these.
 */
export function makeSharingIdentity(original: OriginalKernel) {
  return function identity(args: KernelArgs<{ x: tf.TensorInfo }, Record<string, never>>): tf.TensorInfo {
    const { x } = args.inputs;
    if (x.dtype === 'string') return runKernel(original, args.backend, { x }, args.attrs);
    return shareData(args.backend, x);
  };
}

/**
 * A replacement for the wasm `Cast` kernel: a cast to the same dtype (the relu gradient asks for
 * one) shares the buffer; real conversions go to the original kernel.
 */
export function makeSharingCast(original: OriginalKernel) {
  return function cast(args: KernelArgs<{ x: tf.TensorInfo }, tf.CastAttrs>): tf.TensorInfo {
    const { x } = args.inputs;
    if (x.dtype !== args.attrs.dtype || x.dtype === 'string') {
      return runKernel(original, args.backend, { x }, args.attrs);
    }
    return shareData(args.backend, x);
  };
}
