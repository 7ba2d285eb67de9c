import type * as tf from '@tensorflow/tfjs-core';
import { type ConvGeometry, convGeometry, im2colOnHeap } from './conv-geometry.js';
import { type CopySimd, copySimdFor } from './copy-simd.js';
import { blockProduct, gemmFor } from './gemm.js';
import { epilogue } from './mat-mul.js';
import {
  heapF32,
  heapOffset,
  type KernelArgs,
  release,
  runKernel,
  type WasmBackendLike,
  wasmKernel,
} from './wasm-internals.js';

type OriginalKernel = Parameters<typeof runKernel>[0];

/** Patch values gathered per product: small enough to stay in a core's cache. */
const CHUNK_VALUES = 1 << 19;

/** The most patch values of one image (64 MB) this kernel gathers; larger images go to the original kernel. */
const MAX_IMAGE_PATCH_VALUES = 1 << 24;

interface Conv2DInputs {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
}

/**
 * A conv with 1 to 3 output channels (an image decoder's last layer) as tap products: `Y = X · W'`
 * with X the input itself (`pixels × inChannels`, read in place) and `W'` the filter laid out as
 * `inChannels × (taps · outChannels)` (padded to a multiple of 4 columns), on our SIMD block
 * functions; then each output sums the products of the taps that reach it (`addStrided`, one
 * call per tap and output row). No patch matrix, and the product is wide enough for the block
 * functions. `null` where they cannot run or one image's products would exceed 64 MB.
 */
function tapProducts(
  backend: WasmBackendLike,
  copy: CopySimd,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo | null {
  const { inChannels: ci, outChannels: co, filterHeight: fh, filterWidth: fw } = g;
  const gemm = gemmFor(backend, ci * 4);
  if (gemm === null) return null;
  const taps = fh * fw;
  const width = Math.ceil((taps * co) / 4) * 4;
  const pixels = g.inHeight * g.inWidth;
  if (pixels * width > MAX_IMAGE_PATCH_VALUES) return null; // one image's products at once
  const out = backend.makeOutput([g.batch, g.outHeight, g.outWidth, co], 'float32');
  heapF32(backend, out).fill(0);
  if (g.batch === 0 || pixels === 0) return out;
  const spread = backend.makeOutput([ci, width], 'float32');
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_VALUES / (pixels * width))));
  const products = backend.makeOutput([chunk * pixels, width], 'float32');
  try {
    // W'[c, t · co + o] = filter[t, c, o]; the padding columns stay zero.
    const f = heapF32(backend, filter);
    const w = heapF32(backend, spread);
    w.fill(0);
    for (let t = 0; t < taps; t++) {
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) w[c * width + t * co + o] = f[(t * ci + c) * co + o] as number;
      }
    }
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop, padLeft } = g;
    const imageBytes = pixels * ci * 4;
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const count = Math.min(chunk, g.batch - b0);
      const y = heapOffset(backend, products);
      blockProduct(
        gemm,
        heapOffset(backend, x) + b0 * imageBytes,
        4,
        heapOffset(backend, spread),
        y,
        count * pixels,
        width,
        ci,
        false,
      );
      const outStart = heapOffset(backend, out);
      for (let b = 0; b < count; b++) {
        for (let oh = 0; oh < g.outHeight; oh++) {
          const outRow = outStart + ((b0 + b) * g.outHeight + oh) * g.outWidth * co * 4;
          for (let kh = 0; kh < fh; kh++) {
            const ih = oh * sh - padTop + kh * dh;
            if (ih < 0 || ih >= g.inHeight) continue;
            for (let kw = 0; kw < fw; kw++) {
              const offset = kw * dw - padLeft; // iw = ow × sw + offset
              const first = Math.min(g.outWidth, Math.max(0, Math.ceil(-offset / sw)));
              const last = Math.min(g.outWidth, Math.floor((g.inWidth - 1 - offset) / sw) + 1);
              if (last <= first) continue;
              const src =
                y + (((b * g.inHeight + ih) * g.inWidth + first * sw + offset) * width + (kh * fw + kw) * co) * 4;
              for (let o = 0; o < co; o++) {
                copy.addStrided(src + o * 4, outRow + (first * co + o) * 4, last - first, sw * width * 4, co * 4);
              }
            }
          }
        }
      }
    }
  } finally {
    release(backend, spread, products);
  }
  return out;
}

/**
 * A replacement for the wasm `Conv2D` kernel (conv2d's forward pass, and through the sub-pixel
 * `Conv2DBackpropInput` also conv2dTranspose's): for float32 channels-last inputs with a
 * multiple of 4 output channels, the input's patches are gathered (im2col) a few images at a time
 * and multiplied by the filter, read in place as a `patch × outChannels` matrix, on our SIMD block
 * functions; the output rows are written where they belong. With 1 to 3 output channels it runs
 * as tap products ({@link tapProducts}). Everything else (channels first, other output widths, no
 * wasm SIMD) goes to the original kernel.
 */
export function makeConv2D(original: OriginalKernel) {
  return function conv2D(args: KernelArgs<Conv2DInputs, tf.Conv2DAttrs>): tf.TensorInfo {
    const { backend, attrs } = args;
    const { x, filter } = args.inputs;
    const fallback = () => runKernel(original, backend, args.inputs as unknown as tf.NamedTensorInfoMap, attrs);
    if (x.dtype !== 'float32' || filter.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return fallback();
    const [, , inChannels, outChannels] = filter.shape as [number, number, number, number];
    const patch = filter.shape.slice(0, 3).reduce((a, b) => a * b, 1);
    const copy = copySimdFor(backend);
    if ((outChannels % 4 !== 0 && outChannels > 3) || x.shape[3] !== inChannels || copy === null) return fallback();
    const g = convGeometry(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    if (outChannels % 4 !== 0) return tapProducts(backend, copy, x, filter, g) ?? fallback();
    const gemm = gemmFor(backend, patch * 4);
    if (gemm === null) return fallback();
    const perImage = g.outHeight * g.outWidth;
    // One image's patches are gathered at once: leave huge images to the backend's own kernel,
    // which needs no patch matrix.
    if (patch * perImage > MAX_IMAGE_PATCH_VALUES) return fallback();
    const out = backend.makeOutput([g.batch, g.outHeight, g.outWidth, outChannels], 'float32');
    if (g.batch === 0 || perImage === 0) return out;
    const chunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_VALUES / (patch * perImage))));
    const col = backend.makeOutput([chunk * perImage, patch], 'float32');
    try {
      const imageBytes = g.inHeight * g.inWidth * inChannels * 4;
      const outImageBytes = perImage * outChannels * 4;
      for (let b0 = 0; b0 < g.batch; b0 += chunk) {
        const count = Math.min(chunk, g.batch - b0);
        const colStart = heapOffset(backend, col);
        const xs = heapOffset(backend, x) + b0 * imageBytes;
        im2colOnHeap(copy, xs, colStart, heapF32(backend, col), { ...g, batch: count });
        const outStart = heapOffset(backend, out) + b0 * outImageBytes;
        blockProduct(
          gemm,
          colStart,
          4,
          heapOffset(backend, filter),
          outStart,
          count * perImage,
          outChannels,
          patch,
          false,
        );
      }
    } finally {
      release(backend, col);
    }
    return out;
  };
}

interface FusedConv2DInputs extends Conv2DInputs {
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

/**
 * A replacement for the wasm `FusedConv2D` kernel (a conv layer with its bias, which tfjs fuses
 * while training when the activation is linear: an image decoder's last layer): where our
 * `Conv2D` takes the shape (channels last, a multiple of 4 or at most 3 output channels) and the
 * activation is linear or `relu`, the conv runs there and the bias and activation as kernels of
 * their own. Everything else goes to the original kernel.
 */
export function makeFusedConv2D(original: OriginalKernel) {
  return function fusedConv2D(
    args: KernelArgs<FusedConv2DInputs, tf.FusedConv2DAttrs & { activation?: string }>,
  ): tf.TensorInfo {
    const { backend, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const outChannels = filter.shape[3] as number;
    const activation = attrs.activation ?? 'linear';
    if (
      x.dtype !== 'float32' ||
      attrs.dataFormat === 'NCHW' ||
      preluActivationWeights !== undefined ||
      (activation !== 'linear' && activation !== 'relu') ||
      (outChannels % 4 !== 0 && outChannels > 3)
    ) {
      return runKernel(original, backend, args.inputs as unknown as tf.NamedTensorInfoMap, attrs);
    }
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
    const out = runKernel(
      wasmKernel('Conv2D'),
      backend,
      { x, filter },
      { strides, pad, dataFormat, dilations, dimRoundingMode },
    );
    return epilogue(backend, out, bias, activation);
  };
}
