// The fused training step of an MLP VAE (see MlpVAESpec), run by every worker of the parallel
// trainer on one memory they share. Phase A: each worker runs the forward and backward pass of its
// rows of the batch, leaving every layer's input and output gradient in shared buffers. Phase B:
// each worker computes its share of the rows of every weight gradient over the WHOLE batch
// (inputᵀ · gradient, so no gradient is summed across workers) and applies Adam to those rows.
// The products are our SIMD block functions bound to the shared memory, and so are the bias,
// activations, loss gradient and Adam (dense-simd.ts, adam-simd.ts); sums and widths that are
// not a multiple of 4 are plain loops over the shared Float32Array.

import { type AdamSimdFunc, adamSimd, flushed } from '../wasm/adam-simd.js';
import { type DenseSimd, denseSimd } from '../wasm/dense-simd.js';
import { blockProduct } from '../wasm/gemm.js';
import { type GemmSimd, gemmSimd } from '../wasm/gemm-simd.js';
import { type TransposeSimdFunc, transposeSimd } from '../wasm/transpose-simd.js';
import {
  type DenseLayer,
  denseLayers,
  type MlpVAELayout,
  type MlpVAESpec,
  meanLayer,
  mlpVAELayout,
} from './mlp-vae-spec.js';

/** What one fused step needs besides the batch already in memory. */
export interface MlpStepArgs {
  /** Rows of the batch (at most the layout's capacity). */
  rows: number;
  /** The step's first barrier generation (the trainer's `generation`). */
  generation: number;
  learningRate: number;
  klWeight: number;
  /** Adam's step number, from 1. */
  iteration: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Clip the global gradient norm to this (needs one more barrier). */
  clipNorm?: number;
}

/** This worker's share of the loss and its terms, each a sum over its rows divided by the batch's rows. */
export interface MlpStepResult {
  loss: number;
  metrics: { reconstruction: number; kl: number };
}

/** How workers meet: `barrier(g)` returns once every worker has called it with `g`. */
export interface MlpSync {
  barrier(generation: number): void;
  /** One float64 per worker, for the squared norms when clipping. */
  norms: Float64Array;
}

/** Rows `[start, end)` of `count` that worker `index` of `workers` takes (the trainer's split). */
export function shareOf(count: number, workers: number, index: number): [number, number] {
  return [Math.floor((index * count) / workers), Math.floor(((index + 1) * count) / workers)];
}

/**
 * One worker's view of the fused step. Build it with {@link MlpVAEEngine.create}, which returns
 * `null` where the SIMD kernels cannot run on a shared memory.
 */
export class MlpVAEEngine {
  readonly layout: MlpVAELayout;
  private readonly f: Float32Array;
  private readonly layers: DenseLayer[];
  private readonly gemms = new Map<number, GemmSimd>();
  private readonly alpha: number;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly spec: MlpVAESpec,
    capacity: number,
    workers: number,
    private readonly index: number,
    private readonly adam: AdamSimdFunc,
    private readonly transpose: TransposeSimdFunc,
    private readonly simd: DenseSimd,
  ) {
    this.layout = mlpVAELayout(spec, capacity, workers);
    this.f = new Float32Array(memory.buffer);
    this.layers = denseLayers(spec);
    this.alpha = spec.activation === 'leakyRelu' ? (spec.leakyReluAlpha ?? 0.2) : 0;
  }

  /**
   * The engine of worker `index` (of `workers`) on `memory`, laid out by
   * {@link mlpVAELayout}`(spec, capacity, workers)`; `null` without wasm SIMD.
   */
  static create(
    memory: WebAssembly.Memory,
    spec: MlpVAESpec,
    capacity: number,
    workers: number,
    index: number,
  ): MlpVAEEngine | null {
    const adam = adamSimd(memory);
    const transpose = transposeSimd(memory);
    const simd = denseSimd(memory);
    if (adam === null || transpose === null || simd === null || gemmSimd(memory, 4) === null) return null;
    return new MlpVAEEngine(memory, spec, capacity, workers, index, adam, transpose, simd);
  }

  /** Whether the products use fused multiply-adds. */
  get fusedMultiplyAdd(): boolean {
    return this.gemm(4).fused;
  }

  private gemm(aRow: number): GemmSimd {
    let g = this.gemms.get(aRow);
    if (g === undefined) {
      g = gemmSimd(this.memory, aRow) as GemmSimd;
      this.gemms.set(aRow, g);
    }
    return g;
  }

  /**
   * `C (+)= A · B` on float offsets: A is `m × k` with rows `aRow` floats apart and consecutive k
   * `sa` floats apart (1 and `m`-major for row-major A; `aRow = 1` for A stored transposed), B is
   * `k × n` with rows `ldb` apart, C `m × n` with rows `ldc` apart. Columns past the last multiple
   * of 4 run as a plain loop.
   */
  product(
    a: number,
    aRow: number,
    sa: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    accumulate: boolean,
  ): void {
    if (m === 0 || n === 0) return;
    const n4 = n - (n % 4);
    if (n4 > 0 && k > 0) {
      blockProduct(this.gemm(4 * aRow), 4 * a, 4 * sa, 4 * b, 4 * c, m, n4, k, accumulate, 4 * ldb, 4 * ldc);
    } else if (n4 > 0 && !accumulate) {
      for (let i = 0; i < m; i++) this.f.fill(0, c + i * ldc, c + i * ldc + n4);
    }
    const f = this.f;
    for (let i = 0; i < m; i++) {
      for (let j = n4; j < n; j++) {
        let s = accumulate ? (f[c + i * ldc + j] as number) : 0;
        for (let t = 0; t < k; t++) s += (f[a + i * aRow + t * sa] as number) * (f[b + t * ldb + j] as number);
        f[c + i * ldc + j] = s;
      }
    }
  }

  /** `dst[j][i] = src[i][j]` for `rows × cols` at `src` (row stride `cols`) into `dst` (stride `ld`, columns past `rows` zeroed up to `ld`). */
  private transposeInto(src: number, rows: number, cols: number, dst: number, ld: number): void {
    if (rows % 4 === 0 && cols % 4 === 0 && ld === rows) {
      this.transpose(4 * src, 4 * dst, rows, cols);
      return;
    }
    const f = this.f;
    for (let j = 0; j < cols; j++) {
      const row = dst + j * ld;
      for (let i = 0; i < rows; i++) f[row + i] = f[src + i * cols + j] as number;
      for (let i = rows; i < ld; i++) f[row + i] = 0;
    }
  }

  private bufferOf(input: DenseLayer['input']): number {
    if (input === 'x') return this.layout.xy;
    if (input === 'z') return this.layout.z;
    return this.layout.out[input] as number;
  }

  private kernel(l: number): number {
    return this.layout.params + (this.layout.variable[2 * l] as number);
  }

  private bias(l: number): number {
    return this.layout.params + (this.layout.variable[2 * l + 1] as number);
  }

  /** Rows `[r0, r1)` of layer `l`'s output: `act(input · W + b)`. */
  private forward(l: number, r0: number, r1: number): void {
    const layer = this.layers[l] as DenseLayer;
    const { inSize, outSize } = layer;
    const input = this.bufferOf(layer.input) + r0 * inSize;
    const out = (this.layout.out[l] as number) + r0 * outSize;
    this.product(input, inSize, 1, this.kernel(l), outSize, out, outSize, r1 - r0, outSize, inSize, false);
    const b = this.bias(l);
    const slope = layer.activation === 'relu' ? 0 : layer.activation === 'linear' ? 1 : this.alpha;
    if (outSize % 4 === 0) {
      this.simd.biasActivation(4 * out, 4 * b, r1 - r0, outSize, slope);
      return;
    }
    const f = this.f;
    const end = out + (r1 - r0) * outSize;
    for (let p = out; p < end; p += outSize) {
      for (let j = 0; j < outSize; j++) {
        const v = (f[p + j] as number) + (f[b + j] as number);
        f[p + j] = v > 0 ? v : slope * v;
      }
    }
  }

  /**
   * The gradient with respect to layer `l`'s input for rows `[r0, r1)`, transposed: `W · dOutᵀ`
   * into the worker's second scratch buffer (`inSize × padded rows`), added to what is there when
   * `accumulate`. Returns the padded row count (the buffer's row stride).
   */
  private inputGradient(l: number, r0: number, r1: number, accumulate: boolean): number {
    const layer = this.layers[l] as DenseLayer;
    const rows = r1 - r0;
    const padded = Math.ceil(rows / 4) * 4;
    const t1 = this.layout.scratch[this.index] as number;
    const t2 = t1 + this.layout.scratchFloats;
    this.transposeInto((this.layout.dOut[l] as number) + r0 * layer.outSize, rows, layer.outSize, t1, padded);
    this.product(
      this.kernel(l),
      layer.outSize,
      1,
      t1,
      padded,
      t2,
      padded,
      layer.inSize,
      padded,
      layer.outSize,
      accumulate,
    );
    return padded;
  }

  /** Writes the transposed input gradient back as rows of `dOut[k]`, times the activation's slope at layer `k`'s output. */
  private backToHidden(k: number, r0: number, r1: number, padded: number): void {
    const layer = this.layers[k] as DenseLayer;
    const width = layer.outSize;
    const f = this.f;
    const t1 = this.layout.scratch[this.index] as number;
    const t2 = t1 + this.layout.scratchFloats;
    const h = (this.layout.out[k] as number) + r0 * width;
    const d = (this.layout.dOut[k] as number) + r0 * width;
    const slope = layer.activation === 'leakyRelu' ? this.alpha : 0;
    const linear = layer.activation === 'linear';
    if (width % 4 === 0) {
      // Transposed back into the first buffer (free again), then one pass along the rows.
      this.transpose(4 * t2, 4 * t1, width, padded);
      const count = (r1 - r0) * width;
      if (linear) f.copyWithin(d, t1, t1 + count);
      else this.simd.slopeGradient(4 * t1, 4 * h, 4 * d, count, slope);
      return;
    }
    for (let r = 0; r < r1 - r0; r++) {
      for (let j = 0; j < width; j++) {
        const g = f[t2 + j * padded + r] as number;
        f[d + r * width + j] = linear || (f[h + r * width + j] as number) > 0 ? g : slope * g;
      }
    }
  }

  /**
   * Phase A for rows `[r0, r1)`: forward, the loss, and every layer's output gradient. Returns
   * the rows' summed reconstruction loss and KL.
   */
  private forwardBackward(r0: number, r1: number, total: number, klScale: number): { rec: number; kl: number } {
    const { spec, layers, layout, f } = this;
    const mean = meanLayer(spec);
    const latent = spec.latentDim;
    for (let l = 0; l <= mean + 1; l++) this.forward(l, r0, r1);
    // z = mean + exp(logVar / 2) · eps, and the KL of each row.
    const mu = layout.out[mean] as number;
    const lv = layout.out[mean + 1] as number;
    let kl = 0;
    const zWidth = latent + (spec.conditionWidth ?? 0);
    for (let r = r0; r < r1; r++) {
      for (let j = 0; j < latent; j++) {
        const p = r * latent + j;
        const logVar = f[lv + p] as number;
        const m = f[mu + p] as number;
        const s = Math.exp(0.5 * logVar);
        f[layout.z + r * zWidth + j] = m + s * (f[layout.eps + p] as number);
        kl += -0.5 * (1 + logVar - m * m - s * s);
      }
    }
    const last = layers.length - 1;
    for (let l = mean + 2; l <= last; l++) this.forward(l, r0, r1);
    // The reconstruction loss and its gradient with respect to the output (a mean over the batch).
    const size = spec.inputSize;
    const out = (layout.out[last] as number) + r0 * size;
    const dOut = (layout.dOut[last] as number) + r0 * size;
    const x = layout.x + r0 * size;
    const count = (r1 - r0) * size;
    let rec = 0;
    if (spec.likelihood.kind === 'bernoulli') {
      // softplus(l) − x·l = max(l, 0) − x·l + log(1 + e^−|l|); the logs of a run of factors in
      // (1, 2] are one log of their product (512 of them stay far below 2^1024).
      const inv = 1 / total;
      let product = 1;
      const logs = (p: number) => {
        if ((p & 511) === 511) {
          rec += Math.log(product);
          product = 1;
        }
      };
      if (count % 4 === 0) {
        // The gradient and every 1 + e^−|l| (into the free transpose buffer) in SIMD; the sums here.
        const onePlus = layout.scratch[this.index] as number;
        this.simd.bernoulliGradient(4 * out, 4 * x, 4 * dOut, 4 * onePlus, count, inv);
        for (let p = 0; p < count; p++) {
          const logit = f[out + p] as number;
          rec += Math.max(logit, 0) - logit * (f[x + p] as number);
          product *= f[onePlus + p] as number;
          logs(p);
        }
      } else {
        for (let p = 0; p < count; p++) {
          const logit = f[out + p] as number;
          const xi = f[x + p] as number;
          const e = Math.exp(-Math.abs(logit));
          const onePlus = 1 + e;
          product *= onePlus;
          logs(p);
          rec += Math.max(logit, 0) - logit * xi;
          const r = 1 / onePlus;
          f[dOut + p] = ((logit >= 0 ? r : e * r) - xi) * inv;
        }
      }
      rec += Math.log(product);
    } else {
      const sigma = spec.likelihood.sigma;
      const inv = 1 / (sigma * sigma);
      let squares = 0;
      for (let p = 0; p < count; p++) {
        const diff = (f[out + p] as number) - (f[x + p] as number);
        squares += diff * diff;
        f[dOut + p] = (diff * inv) / total;
      }
      rec = 0.5 * inv * squares + count * 0.5 * (Math.log(2 * Math.PI) + 2 * Math.log(sigma));
    }
    // Backward through the decoder, down to the latent sample.
    for (let l = last; l > mean + 1; l--) {
      const padded = this.inputGradient(l, r0, r1, false);
      const input = (layers[l] as DenseLayer).input;
      if (input !== 'z') {
        this.backToHidden(input as number, r0, r1, padded);
        continue;
      }
      // dz → the heads: d mean = dz + c · mean / N; d logVar = dz · eps · s / 2 + c · (s² − 1) / (2N).
      const t2 = (layout.scratch[this.index] as number) + layout.scratchFloats;
      const dMu = layout.dOut[mean] as number;
      const dLv = layout.dOut[mean + 1] as number;
      const c = klScale / total;
      for (let r = r0; r < r1; r++) {
        for (let j = 0; j < latent; j++) {
          const p = r * latent + j;
          const dz = f[t2 + j * padded + (r - r0)] as number;
          const m = f[mu + p] as number;
          const s = Math.exp(0.5 * (f[lv + p] as number));
          f[dMu + p] = dz + c * m;
          f[dLv + p] = 0.5 * dz * (f[layout.eps + p] as number) * s + 0.5 * c * (s * s - 1);
        }
      }
    }
    // Through the heads and the encoder (the data needs no gradient).
    if (mean > 0) {
      this.inputGradient(mean, r0, r1, false);
      const padded = this.inputGradient(mean + 1, r0, r1, true);
      this.backToHidden(mean - 1, r0, r1, padded);
      for (let l = mean - 1; l > 0; l--) this.backToHidden(l - 1, r0, r1, this.inputGradient(l, r0, r1, false));
    }
    return { rec, kl };
  }

  /** Phase B: this worker's rows of every weight gradient over the whole batch (and its biases). */
  private weightGradients(total: number, workers: number): Array<[number, number]> {
    const { layers, layout } = this;
    const owned: Array<[number, number]> = [];
    layers.forEach((layer, l) => {
      const { inSize, outSize } = layer;
      const [i0, i1] = shareOf(inSize, workers, this.index);
      const gradKernel = layout.grad + (layout.variable[2 * l] as number);
      if (i1 > i0) {
        const input = this.bufferOf(layer.input);
        // dW[i0:i1] = input[:, i0:i1]ᵀ · dOut: A stored transposed (rows 1 apart, k inSize apart).
        this.product(
          input + i0,
          1,
          inSize,
          layout.dOut[l] as number,
          outSize,
          gradKernel + i0 * outSize,
          outSize,
          i1 - i0,
          outSize,
          total,
          false,
        );
        owned.push([(layout.variable[2 * l] as number) + i0 * outSize, (i1 - i0) * outSize]);
      }
      if (l % workers === this.index) {
        const gradBias = layout.grad + (layout.variable[2 * l + 1] as number);
        // db = 1ᵀ · dOut: A is one row of ones (the block functions step through k, so not a stride of 0).
        this.product(layout.one, 1, 1, layout.dOut[l] as number, outSize, gradBias, outSize, 1, outSize, total, false);
        owned.push([layout.variable[2 * l + 1] as number, outSize]);
      }
    });
    return owned;
  }

  /** Adam on `[offset, offset + n)` of every parameter region, in place. */
  private adamRange(offset: number, n: number, args: MlpStepArgs, scale: number): void {
    const { layout, f } = this;
    const g = layout.grad + offset;
    if (scale !== 1) for (let i = 0; i < n; i++) f[g + i] = (f[g + i] as number) * scale;
    const { beta1, beta2, epsilon, learningRate, iteration } = args;
    const c1 = Math.fround(1 - Math.fround(beta1 ** iteration));
    const c2 = Math.fround(1 - Math.fround(beta2 ** iteration));
    const rest1 = Math.fround(1 - beta1);
    const rest2 = Math.fround(1 - beta2);
    const a1 = -learningRate / c1;
    const s2 = 1 / Math.sqrt(c2);
    const [w, m, v] = [layout.params + offset, layout.m + offset, layout.v + offset];
    const vector = n - (n % 4);
    if (vector > 0)
      this.adam(4 * w, 4 * m, 4 * v, 4 * g, 4 * w, 4 * m, 4 * v, vector, beta1, beta2, rest1, rest2, a1, s2, epsilon);
    const r = Math.fround;
    for (let i = vector; i < n; i++) {
      const gi = f[g + i] as number;
      const mi = flushed(r(r((f[m + i] as number) * r(beta1)) + r(gi * rest1)));
      const vi = flushed(r(r((f[v + i] as number) * r(beta2)) + r(r(gi * gi) * rest2)));
      f[m + i] = mi;
      f[v + i] = vi;
      f[w + i] = r(mi * r(a1)) / (r(Math.sqrt(vi)) * r(s2) + r(epsilon)) + (f[w + i] as number);
    }
  }

  /**
   * One training step of the batch in memory: this worker's rows forward and backward, a barrier,
   * its rows of the weight gradients and their Adam update, and a barrier (two with `clipNorm`).
   * Every worker must call it with the same arguments.
   */
  step(args: MlpStepArgs, sync: MlpSync, failed: () => boolean, fail: () => void): MlpStepResult {
    const workers = this.layout.workers;
    const [r0, r1] = shareOf(args.rows, workers, this.index);
    const klScale = args.klWeight * this.spec.beta;
    let terms = { rec: 0, kl: 0 };
    let failure: unknown;
    if (r1 > r0) {
      try {
        terms = this.forwardBackward(r0, r1, args.rows, klScale);
      } catch (error) {
        failure = error;
        fail();
      }
    }
    sync.barrier(args.generation);
    if (failed()) {
      sync.barrier(args.generation + 1);
      if (args.clipNorm !== undefined) sync.barrier(args.generation + 2);
      if (failure !== undefined) throw failure;
      return { loss: Number.NaN, metrics: { reconstruction: Number.NaN, kl: Number.NaN } };
    }
    const owned = this.weightGradients(args.rows, workers);
    let scale = 1;
    if (args.clipNorm !== undefined) {
      const f = this.f;
      let squares = 0;
      for (const [offset, n] of owned) {
        const g = this.layout.grad + offset;
        for (let i = 0; i < n; i++) squares += (f[g + i] as number) ** 2;
      }
      sync.norms[this.index] = squares;
      sync.barrier(args.generation + 1);
      let all = 0;
      for (let w = 0; w < workers; w++) all += sync.norms[w] as number;
      const norm = Math.sqrt(all);
      if (norm > args.clipNorm) scale = args.clipNorm / norm;
    }
    for (const [offset, n] of owned) this.adamRange(offset, n, args, scale);
    sync.barrier(args.generation + (args.clipNorm === undefined ? 1 : 2));
    const rec = terms.rec / args.rows;
    const kl = terms.kl / args.rows;
    return { loss: rec + klScale * kl, metrics: { reconstruction: rec, kl } };
  }
}
