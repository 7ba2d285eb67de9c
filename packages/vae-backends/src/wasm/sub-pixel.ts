import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './conv-geometry.js';
import { type CopySimd, copySimdFor } from './copy-simd.js';
import { heapF32, release, runKernel, type WasmBackendLike, wasmKernel } from './wasm-internals.js';

/** One axis of one residue class of a strided transposed convolution. */
export interface AxisClass {
  /** Residue of `(i + padBefore) mod stride` shared by the input positions `i` of this class. */
  residue: number;
  /** Filter taps that reach this class (`ceil((filterSize - residue) / stride)`, or 0). */
  taps: number;
  /** First `q = floor((i + padBefore) / stride)` of the class, and how many positions. */
  first: number;
  count: number;
  /** Padding of the stride-1 correlation over dy, and how many leading outputs to skip. */
  padBefore: number;
  padAfter: number;
  skip: number;
  /** Length of the correlation's output along this axis. */
  outLength: number;
}

export function axisClasses(size: number, outSize: number, filter: number, stride: number, pad: number): AxisClass[] {
  const classes: AxisClass[] = [];
  for (let residue = 0; residue < stride; residue++) {
    const taps = Math.max(0, Math.ceil((filter - residue) / stride));
    const first = Math.ceil((pad - residue) / stride);
    const last = Math.floor((size - 1 + pad - residue) / stride);
    const count = Math.max(0, last - first + 1);
    // The correlation output at index k is dx at q = first + k - skip; it reads dy[q - taps + 1 ...].
    // padAfter makes outLength >= skip + count, so the output covers every position of the class.
    const needBefore = taps - 1 - first;
    const padBefore = Math.max(0, needBefore);
    const skip = padBefore - needBefore;
    const padAfter = Math.max(0, skip + count + taps - 1 - outSize - padBefore);
    const outLength = outSize + padBefore + padAfter - taps + 1;
    classes.push({ residue, taps, first, count, padBefore, padAfter, skip, outLength });
  }
  return classes;
}

/**
 * Conv2DBackpropInput (channels last, dilation 1) as `strideHeight × strideWidth` stride-1
 * convolutions over `dy`, one per residue class of the input positions, each with the filter
 * taps that reach that class (flipped, channels swapped), run on the wasm backend's fast Conv2D;
 * their outputs interleave into `dx`. Same products as the direct formula, no patch matrix.
 * (The paddings are chosen so that every class's output covers its positions, see
 * `axisClasses`.)
 */
export function subPixelBackpropInput(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const rows = axisClasses(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = axisClasses(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  const conv2d = wasmKernel('Conv2D');
  const single = rows.length === 1 && cols.length === 1 ? ([rows[0], cols[0]] as [AxisClass, AxisClass]) : undefined;
  if (single !== undefined && covers(single[0], g.inHeight) && covers(single[1], g.inWidth)) {
    // Stride 1 with the output exactly covering dx: the correlation's output is dx itself.
    return correlate(backend, conv2d, dy, filter, g, single[0], single[1]);
  }
  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  if (rows.some((r) => r.taps === 0 && r.count > 0) || cols.some((c) => c.taps === 0 && c.count > 0)) {
    heapF32(backend, dx).fill(0); // positions no tap reaches stay zero
  }
  const copy = copySimdFor(backend);
  for (const r of rows) {
    for (const c of cols) {
      if (r.count === 0 || c.count === 0 || r.taps === 0 || c.taps === 0) continue;
      const out = correlate(backend, conv2d, dy, filter, g, r, c);
      if (copy !== null) scatterClassSimd(copy, heapF32(backend, out), heapF32(backend, dx), g, r, c);
      else scatterClass(heapF32(backend, out), heapF32(backend, dx), g, r, c);
      release(backend, out);
    }
  }
  return dx;
}

function covers(c: AxisClass, size: number): boolean {
  return c.skip === 0 && c.count === size && c.outLength === size;
}

/** The stride-1 correlation of dy with the taps of one class: `[batch, outLength_h, outLength_w, inChannels]`. */
function correlate(
  backend: WasmBackendLike,
  conv2d: ReturnType<typeof wasmKernel>,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  r: AxisClass,
  c: AxisClass,
): tf.TensorInfo {
  const { inChannels: ci, outChannels: co, filterWidth: kw } = g;
  // Sub-filter [taps_h, taps_w, co, ci]: flipped taps of this class, in/out channels swapped.
  const sub = backend.makeOutput([r.taps, c.taps, co, ci], 'float32');
  const w = heapF32(backend, filter);
  const f = heapF32(backend, sub);
  for (let uh = 0; uh < r.taps; uh++) {
    const kh = r.residue + g.strideHeight * (r.taps - 1 - uh);
    for (let uw = 0; uw < c.taps; uw++) {
      const kwIndex = c.residue + g.strideWidth * (c.taps - 1 - uw);
      const src = (kh * kw + kwIndex) * ci * co;
      const dst = (uh * c.taps + uw) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) f[dst + o * ci + i] = w[src + i * co + o] as number;
      }
    }
  }
  const out = runKernel(
    conv2d,
    backend,
    { x: dy, filter: sub },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [r.padBefore, r.padAfter],
        [c.padBefore, c.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  );
  release(backend, sub);
  return out;
}

/**
 * Copies one class's correlation output into its (strided) positions of dx: one SIMD strided copy
 * per output row (`out` and `dx` are views of the wasm heap).
 */
export function scatterClassSimd(
  copy: CopySimd,
  out: Float32Array,
  dx: Float32Array,
  g: ConvGeometry,
  r: AxisClass,
  c: AxisClass,
): void {
  const ci = g.inChannels;
  const run = ci % 4 === 0 ? copy.wide : copy.narrow;
  const iw = c.first * g.strideWidth + c.residue - g.padLeft;
  for (let b = 0; b < g.batch; b++) {
    for (let qh = 0; qh < r.count; qh++) {
      const ih = (r.first + qh) * g.strideHeight + r.residue - g.padTop;
      const src = ((b * r.outLength + r.skip + qh) * c.outLength + c.skip) * ci;
      const dst = ((b * g.inHeight + ih) * g.inWidth + iw) * ci;
      run(out.byteOffset + src * 4, dx.byteOffset + dst * 4, c.count, ci * 4, g.strideWidth * ci * 4, ci * 4);
    }
  }
}

/** Copies one class's correlation output into its (strided) positions of dx. */
export function scatterClass(out: Float32Array, dx: Float32Array, g: ConvGeometry, r: AxisClass, c: AxisClass): void {
  const ci = g.inChannels;
  const heap = new Float32Array(dx.buffer);
  const outBase = out.byteOffset >> 2;
  const dxBase = dx.byteOffset >> 2;
  const long = ci >= 16; // copyWithin (a native memmove) beats a JS loop on longer runs
  for (let b = 0; b < g.batch; b++) {
    for (let qh = 0; qh < r.count; qh++) {
      const ih = (r.first + qh) * g.strideHeight + r.residue - g.padTop;
      const srcRow = (b * r.outLength + r.skip + qh) * c.outLength + c.skip;
      const dstRow = (b * g.inHeight + ih) * g.inWidth;
      for (let qw = 0; qw < c.count; qw++) {
        const iw = (c.first + qw) * g.strideWidth + c.residue - g.padLeft;
        const src = (srcRow + qw) * ci;
        const dst = (dstRow + iw) * ci;
        if (long) heap.copyWithin(dxBase + dst, outBase + src, outBase + src + ci);
        else for (let k = 0; k < ci; k++) dx[dst + k] = out[src + k] as number;
      }
    }
  }
}
