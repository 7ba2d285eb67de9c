import * as tf from '@tensorflow/tfjs-core';
import type { CopySimd } from './copy-simd.js';
import { runKernel, type WasmBackendLike, wasmKernel } from './wasm-internals.js';

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

/** NCHW -> NHWC through the wasm Transpose kernel. */
export function toChannelsLast(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  return runKernel(wasmKernel('Transpose'), backend, { x }, { perm: [0, 2, 3, 1] });
}

/** NHWC -> NCHW through the wasm Transpose kernel. */
export function toChannelsFirst(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  return runKernel(wasmKernel('Transpose'), backend, { x }, { perm: [0, 3, 1, 2] });
}

/**
 * Writes the patches of `x` (`[batch, inHeight, inWidth, inChannels]`) as the COLUMNS of `colT`
 * (`[filterHeight * filterWidth * inChannels, batch * outHeight * outWidth]`), zeros where a
 * patch reaches into the padding: the left operand of the filter gradient's untransposed product
 * (a separate transpose pass would cost as much as the gather itself).
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
 * Writes the patches of `x` (`[batch, inHeight, inWidth, inChannels]`, at heap byte offset `x`)
 * as the ROWS of `col` (`[batch * outHeight * outWidth, filterHeight * filterWidth *
 * inChannels]`, at heap byte offset `col`; `colView` is a view of exactly it), zeros where a patch
 * reaches into the padding. Each filter position of a whole output row is one strided copy.
 */
export function im2colOnHeap(copy: CopySimd, x: number, col: number, colView: Float32Array, g: ConvGeometry): void {
  const { inHeight, inWidth, inChannels: ci, filterHeight, filterWidth, outHeight, outWidth } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
  const patch = filterHeight * filterWidth * ci;
  colView.fill(0, 0, g.batch * outHeight * outWidth * patch);
  const run = ci % 4 === 0 ? copy.wide : copy.narrow;
  for (let b = 0; b < g.batch; b++) {
    const xBatch = x + b * inHeight * inWidth * ci * 4;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowBase = col + (b * outHeight + oh) * outWidth * patch * 4;
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * sh - padTop + kh * dh;
        if (ih < 0 || ih >= inHeight) continue;
        for (let kw = 0; kw < filterWidth; kw++) {
          const offset = kw * dw - padLeft; // iw = ow × sw + offset
          // The outputs whose input column is inside: first ≤ ow < last.
          const first = Math.min(outWidth, Math.max(0, Math.ceil(-offset / sw)));
          const last = Math.min(outWidth, Math.floor((inWidth - 1 - offset) / sw) + 1);
          if (last <= first) continue;
          run(
            xBatch + (ih * inWidth + first * sw + offset) * ci * 4,
            rowBase + (first * patch + (kh * filterWidth + kw) * ci) * 4,
            last - first,
            sw * ci * 4,
            patch * 4,
            ci * 4,
          );
        }
      }
    }
  }
}
