// A tiny WebAssembly module, assembled here byte by byte, with one function: the Adam update of
// one variable with 128-bit SIMD, reading and writing the wasm backend's own heap (the module
// imports that memory). Plain JS is about as slow as the fourteen separate kernels it replaces
// (float32 loads and stores in JS cost ~3 ns each); four lanes per instruction are not.

/** `adam(w, m, v, g, w1, m1, v1, n, beta1, beta2, rest1, rest2, a1, s2, eps)`, byte offsets and a count of float32 values (a multiple of 4). */
export type AdamSimdFunc = (
  w: number,
  m: number,
  v: number,
  g: number,
  w1: number,
  m1: number,
  v1: number,
  n: number,
  beta1: number,
  beta2: number,
  rest1: number,
  rest2: number,
  a1: number,
  s2: number,
  eps: number,
) => void;

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// Opcodes used below.
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR_IF = 0x0d;
const BR = 0x0c;
const END = 0x0b;
const VOID = 0x40;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // align 1 (a hint), offset 0
const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_SQRT = [SIMD, 0xe3, 0x01];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_DIV = [SIMD, 0xe7, 0x01];

// Parameter and local indices.
const [W, M, V, G, W1, M1, V1, N] = [0, 1, 2, 3, 4, 5, 6, 7];
const [BETA1, BETA2, REST1, REST2, A1, S2, EPS] = [8, 9, 10, 11, 12, 13, 14];
const [I, BYTES, GI, MI, VI] = [15, 16, 17, 18, 19];

function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

const get = (index: number) => [LOCAL_GET, index];
const set = (index: number) => [LOCAL_SET, index];
/** The address `base + i` followed by a v128 load from it. */
const load = (base: number) => [...get(base), ...get(I), I32_ADD, ...V128_LOAD];
const splat = (index: number) => [...get(index), ...F32X4_SPLAT];

function adamBody(): number[] {
  return [
    // bytes = n << 2; i = 0
    ...get(N),
    I32_CONST,
    2,
    I32_SHL,
    ...set(BYTES),
    I32_CONST,
    0,
    ...set(I),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(I),
    ...get(BYTES),
    I32_GE_U,
    BR_IF,
    1,
    // gi = g[i]
    ...load(G),
    ...set(GI),
    // mi = m[i] * beta1 + gi * rest1
    ...load(M),
    ...splat(BETA1),
    ...F32X4_MUL,
    ...get(GI),
    ...splat(REST1),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(MI),
    // vi = v[i] * beta2 + (gi * gi) * rest2
    ...load(V),
    ...splat(BETA2),
    ...F32X4_MUL,
    ...get(GI),
    ...get(GI),
    ...F32X4_MUL,
    ...splat(REST2),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(VI),
    // m1[i] = mi; v1[i] = vi
    ...get(M1),
    ...get(I),
    I32_ADD,
    ...get(MI),
    ...V128_STORE,
    ...get(V1),
    ...get(I),
    I32_ADD,
    ...get(VI),
    ...V128_STORE,
    // w1[i] = (mi * a1) / (sqrt(vi) * s2 + eps) + w[i]
    ...get(W1),
    ...get(I),
    I32_ADD,
    ...get(MI),
    ...splat(A1),
    ...F32X4_MUL,
    ...get(VI),
    ...F32X4_SQRT,
    ...splat(S2),
    ...F32X4_MUL,
    ...splat(EPS),
    ...F32X4_ADD,
    ...F32X4_DIV,
    ...load(W),
    ...F32X4_ADD,
    ...V128_STORE,
    // i += 16
    ...get(I),
    I32_CONST,
    16,
    I32_ADD,
    ...set(I),
    BR,
    0,
    END,
    END,
  ];
}

/** The module's bytes: imports `env.memory`, exports `adam`. */
export function adamModuleBytes(): Uint8Array<ArrayBuffer> {
  const params = [...Array(8).fill(I32), ...Array(7).fill(F32)];
  const type = section(1, [1, 0x60, ...uleb(params.length), ...params, 0]);
  const imports = section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]);
  const functions = section(3, [1, 0]);
  const exports = section(7, [1, ...name('adam'), 0x00, 0]);
  const locals = [2, 2, I32, 3, V128];
  const body = [...locals, ...adamBody(), END];
  const code = section(10, [1, ...uleb(body.length), ...body]);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...type,
    ...imports,
    ...functions,
    ...exports,
    ...code,
  ]);
}

const cache = new WeakMap<WebAssembly.Memory, AdamSimdFunc | null>();

/**
 * The SIMD Adam function bound to `memory`, or `null` where it cannot run (no wasm SIMD, or a
 * shared memory); built once per memory.
 */
export function adamSimd(memory: WebAssembly.Memory): AdamSimdFunc | null {
  const known = cache.get(memory);
  if (known !== undefined) return known;
  let func: AdamSimdFunc | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    if (!shared) {
      const module = new WebAssembly.Module(adamModuleBytes());
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      func = instance.exports['adam'] as AdamSimdFunc;
    }
  } catch {
    func = null; // no SIMD in this engine: the caller falls back
  }
  cache.set(memory, func);
  return func;
}
