import * as tf from '@tensorflow/tfjs-core';
import { reshapeInfo, runKernel, type WasmBackendLike, wasmKernel } from './wasm-internals.js';

/** The geometry of a 2-D convolution, channels last, as our kernels use it. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Computes the geometry the same way tfjs-core does, so padding and rounding agree exactly. */
export function convGeometry(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    strides,
    dilations,
    pad as 'same',
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** NCHW -> NHWC (`toLast`) or back, through the wasm Transpose kernel. */
export function toChannelsLast(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  return runKernel(wasmKernel('Transpose'), backend, { x }, { perm: [0, 2, 3, 1] });
}

/** NHWC -> NCHW through the wasm Transpose kernel. */
export function toChannelsFirst(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  return runKernel(wasmKernel('Transpose'), backend, { x }, { perm: [0, 3, 1, 2] });
}

/**
 * Writes the patches of `x` (`[batch, inHeight, inWidth, inChannels]`) as the rows of `col`
 * (`[batch * outHeight * outWidth, filterHeight * filterWidth * inChannels]`), zeros where a patch
 * reaches into the padding.
 */
export function im2col(x: Float32Array, col: Float32Array, g: ConvGeometry): void {
  const { inHeight, inWidth, inChannels: ci, filterHeight, filterWidth } = g;
  const rowLength = filterHeight * filterWidth * ci;
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    const xBatch = b * inHeight * inWidth * ci;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop;
      for (let ow = 0; ow < g.outWidth; ow++, row++) {
        const iw0 = ow * g.strideWidth - g.padLeft;
        let c = row * rowLength;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = ih0 + kh * g.dilationHeight;
          const inside = ih >= 0 && ih < inHeight;
          for (let kw = 0; kw < filterWidth; kw++, c += ci) {
            const iw = iw0 + kw * g.dilationWidth;
            if (!inside || iw < 0 || iw >= inWidth) {
              col.fill(0, c, c + ci);
              continue;
            }
            const src = xBatch + (ih * inWidth + iw) * ci;
            if (ci === 1) col[c] = x[src];
            else for (let k = 0; k < ci; k++) col[c + k] = x[src + k];
          }
        }
      }
    }
  }
}

/**
 * {@link im2col} written transposed: `colT` is `[filterHeight * filterWidth * inChannels,
 * batch * outHeight * outWidth]`, ready to be the left operand of the filter gradient's
 * untransposed product (a separate transpose pass would cost as much as the gather itself).
 */
export function im2colTransposed(x: Float32Array, colT: Float32Array, g: ConvGeometry): void {
  const { inHeight, inWidth, inChannels: ci, filterHeight, filterWidth, outHeight, outWidth } = g;
  const rows = g.batch * outHeight * outWidth;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const base = (kh * filterWidth + kw) * ci * rows;
      let m = 0;
      for (let b = 0; b < g.batch; b++) {
        const xBatch = b * inHeight * inWidth * ci;
        for (let oh = 0; oh < outHeight; oh++) {
          const ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
          const rowInside = ih >= 0 && ih < inHeight;
          for (let ow = 0; ow < outWidth; ow++, m++) {
            const iw = ow * g.strideWidth - g.padLeft + kw * g.dilationWidth;
            if (!rowInside || iw < 0 || iw >= inWidth) {
              for (let k = 0, d = base + m; k < ci; k++, d += rows) colT[d] = 0;
              continue;
            }
            const src = xBatch + (ih * inWidth + iw) * ci;
            for (let k = 0, d = base + m; k < ci; k++, d += rows) colT[d] = x[src + k] as number;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of {@link im2col}: adds each row of `col` back into the patch of `dx` it came from.
 * `dx` must start zeroed.
 */
export function col2im(col: Float32Array, dx: Float32Array, g: ConvGeometry): void {
  const { inHeight, inWidth, inChannels: ci, filterHeight, filterWidth } = g;
  const rowLength = filterHeight * filterWidth * ci;
  let row = 0;
  for (let b = 0; b < g.batch; b++) {
    const xBatch = b * inHeight * inWidth * ci;
    for (let oh = 0; oh < g.outHeight; oh++) {
      const ih0 = oh * g.strideHeight - g.padTop;
      for (let ow = 0; ow < g.outWidth; ow++, row++) {
        const iw0 = ow * g.strideWidth - g.padLeft;
        let c = row * rowLength;
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = ih0 + kh * g.dilationHeight;
          const inside = ih >= 0 && ih < inHeight;
          for (let kw = 0; kw < filterWidth; kw++, c += ci) {
            const iw = iw0 + kw * g.dilationWidth;
            if (!inside || iw < 0 || iw >= inWidth) continue;
            const dst = xBatch + (ih * inWidth + iw) * ci;
            if (ci === 1) dx[dst] += col[c];
            else for (let k = 0; k < ci; k++) dx[dst + k] += col[c + k];
          }
        }
      }
    }
  }
}

/** Re-exported for the kernels: a reshape that shares data. */
export { reshapeInfo };
