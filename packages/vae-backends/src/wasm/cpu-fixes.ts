// Corrections to tfjs-backend-cpu 4.22 kernels that compute wrong values, installed by
// useBackend('cpu') (and 'auto' when it lands on cpu).
import * as tf from '@tensorflow/tfjs-core';
import { type CpuBackendLike, cpuValues } from './wasm-internals.js';

interface ResizeGradAttrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
}

/** The source index along one axis that nearest-neighbour resizing reads for output index `i`. */
function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixel: boolean): number {
  const corners = alignCorners && outSize > 1;
  const ratio = (corners ? inSize - 1 : inSize) / (corners ? outSize - 1 : outSize);
  const frac = halfPixel ? ratio * (i + 0.5) : ratio * i;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixel ? Math.max(0, nearest) : nearest;
}

/**
 * `ResizeNearestNeighborGrad` for cpu as the adjoint of the forward resize: every `dy` value is
 * added to the input pixel the forward pass copied it from. tfjs-backend-cpu 4.22's own kernel
 * offsets `dy` by the images' batch stride instead of `dy`'s, so every image after the first gets
 * the gradient of the wrong rows (an upsampling decoder trained on cpu with a batch > 1 learns
 * from wrong gradients).
 */
function resizeNearestNeighborGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ResizeGradAttrs;
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [, newH, newW] = dy.shape as [number, number, number, number];
  const halfPixel = attrs.halfPixelCenters ?? false;
  const rows = Array.from({ length: newH }, (_, r) => nearestSource(r, h, newH, attrs.alignCorners, halfPixel));
  const cols = Array.from({ length: newW }, (_, k) => nearestSource(k, w, newW, attrs.alignCorners, halfPixel));
  const dyValues = cpuValues(backend, dy) as Float32Array;
  const dx = new Float64Array(batch * h * w * c);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < newH; r++) {
      const dxRow = (b * h + (rows[r] as number)) * w;
      const dyRow = (b * newH + r) * newW;
      for (let k = 0; k < newW; k++) {
        const to = (dxRow + (cols[k] as number)) * c;
        const from = (dyRow + k) * c;
        for (let ch = 0; ch < c; ch++) dx[to + ch] = (dx[to + ch] as number) + (dyValues[from + ch] as number);
      }
    }
  }
  return backend.makeTensorInfo([batch, h, w, c], 'float32', Float32Array.from(dx));
}

/** Marks our kernel functions so a second call (or copy of this package) leaves them alone. */
const OURS = Symbol.for('@vae/backends/cpu-kernel-fix');

/**
 * Replaces tfjs-backend-cpu kernels that compute wrong values with correct ones (today:
 * `ResizeNearestNeighborGrad` for a batch of more than one image). Harmless to call again.
 */
export function registerCpuKernelFixes(): void {
  const config = tf.getKernel('ResizeNearestNeighborGrad', 'cpu');
  if (config === undefined || (config.kernelFunc as unknown as Record<symbol, unknown>)[OURS] === true) return;
  const kernelFunc = resizeNearestNeighborGrad as unknown as tf.KernelFunc;
  (kernelFunc as unknown as Record<symbol, unknown>)[OURS] = true;
  tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
  tf.registerKernel({ kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc });
}
