// The few pieces of the WebAssembly binary format our hand-assembled SIMD kernels need: value
// types, the opcodes they use, LEB128 numbers, and a module of functions that imports the wasm
// backend's memory as `env.memory`.

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Opcodes (single-byte ones as numbers, SIMD ones as byte lists). */
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_CONST = 0x41;
export const I32_EQZ = 0x45;
export const I32_NE = 0x47;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_SHL = 0x74;
export const I32_GE_U = 0x4f;
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const BR_IF = 0x0d;
export const BR = 0x0c;
export const IF = 0x04;
export const ELSE = 0x05;
export const END = 0x0b;
export const VOID = 0x40;
export const SIMD = 0xfd;
export const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // align 1 (a hint), offset 0
export const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
/** `v128.load` with a 16-byte alignment hint and a constant byte offset. */
export const v128LoadAt = (offset: number): number[] => [SIMD, 0x00, 0x04, ...uleb(offset)];
/** `v128.store` with a 16-byte alignment hint and a constant byte offset. */
export const v128StoreAt = (offset: number): number[] => [SIMD, 0x0b, 0x04, ...uleb(offset)];
/** `v128.load32_splat` (one float32 into all four lanes) from a constant byte offset. */
export const v128Load32SplatAt = (offset: number): number[] => [SIMD, 0x09, 0x02, ...uleb(offset)];
/** `v128.const` of sixteen zero bytes. */
export const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
export const I8X16_SHUFFLE = [SIMD, 0x0d];
export const F32X4_SPLAT = [SIMD, 0x13];
export const F32X4_SQRT = [SIMD, 0xe3, 0x01];
export const F32X4_ABS = [SIMD, 0xe0, 0x01];
export const F32X4_GE = [SIMD, 0x46];
export const V128_AND = [SIMD, 0x4e];
export const F32X4_ADD = [SIMD, 0xe4, 0x01];
export const F32X4_MUL = [SIMD, 0xe6, 0x01];
export const F32X4_DIV = [SIMD, 0xe7, 0x01];
/** `f32x4.relaxed_madd(a, b, c) = a·b + c` (relaxed SIMD: fused where the CPU has FMA). */
export const F32X4_RELAXED_MADD = [SIMD, 0x85, 0x02];

/** An unsigned LEB128 number. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}

/** A signed LEB128 number (for `i32.const`). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export const get = (index: number): number[] => [LOCAL_GET, ...uleb(index)];
export const set = (index: number): number[] => [LOCAL_SET, ...uleb(index)];
export const i32 = (value: number): number[] => [I32_CONST, ...sleb(value)];
/** `f32.const value`: the opcode, then the float's 4 bytes, little-endian. */
export const f32 = (value: number): number[] => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)];

/** `local += amount` (i32), `amount` being the code that pushes it. */
export const addTo = (local: number, amount: number[]): number[] => [...get(local), ...amount, I32_ADD, ...set(local)];

/** Pushes the i32 `base + index` (two locals): a byte address inside a loop. */
export const offsetBy = (base: number, index: number): number[] => [...get(base), ...get(index), I32_ADD];

/** `local -= 1` (i32). */
export const decrement = (local: number): number[] => [...get(local), ...i32(1), I32_SUB, ...set(local)];

/**
 * A loop that runs `body` until `exit` (code that pushes an i32) is true, testing it first:
 * `while (!exit) body`.
 */
export const whileNot = (exit: number[], body: number[]): number[] => [
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...exit,
  BR_IF,
  1,
  ...body,
  BR,
  0,
  END,
  END,
];

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
}

/** One function of a module: its parameter types, its locals as `[count, type]` runs, its code. */
export interface AssembledFunction {
  exportName: string;
  params: number[];
  locals: Array<[number, number]>;
  body: number[];
}

/**
 * The bytes of a module that imports `env.memory` (not shared) and exports the given functions,
 * none with results (each gets a type of its own).
 */
export function moduleBytes(...fns: AssembledFunction[]): Uint8Array<ArrayBuffer> {
  return assembleModule(fns, false);
}

/** The most pages (64 KiB each) a shared memory may declare: 4 GiB, the wasm32 limit. */
const MAX_PAGES = 65536;

/**
 * The bytes of a module that imports `env.memory` and exports `fns`, none with results. With
 * `sharedMemory` the import is a shared memory (any size up to 4 GiB), which a module importing
 * an ordinary memory cannot be instantiated with, and the other way round.
 */
export function assembleModule(fns: AssembledFunction[], sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const count = uleb(fns.length);
  const type = section(1, [...count, ...fns.flatMap((fn) => [0x60, ...uleb(fn.params.length), ...fn.params, 0])]);
  // Limits: flag 0 = minimum only; flag 3 = shared, with a maximum.
  const limits = sharedMemory ? [0x03, 0x00, ...uleb(MAX_PAGES)] : [0x00, 0x00];
  const imports = section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]);
  const functions = section(3, [...count, ...fns.flatMap((_, i) => uleb(i))]);
  const exports = section(7, [...count, ...fns.flatMap((fn, i) => [...name(fn.exportName), 0x00, ...uleb(i)])]);
  const bodies = fns.flatMap((fn) => {
    const locals = [...uleb(fn.locals.length), ...fn.locals.flatMap(([n, t]) => [...uleb(n), t])];
    const body = [...locals, ...fn.body, END];
    return [...uleb(body.length), ...body];
  });
  const code = section(10, [...count, ...bodies]);
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

/**
 * The function `exportName` of the module `build(sharedMemory)` makes (or what `exportName` picks
 * from its exports), bound to a wasm memory: instantiated once per memory, `null` where it cannot
 * run (no wasm SIMD in this engine, or a shared memory and a `build` that ignores the flag).
 */
export function perMemory<F>(
  build: (sharedMemory: boolean) => Uint8Array<ArrayBuffer>,
  exportName: string | ((exports: WebAssembly.Exports) => F),
): (memory: WebAssembly.Memory) => F | null {
  const cache = new WeakMap<WebAssembly.Memory, F | null>();
  return (memory) => {
    const known = cache.get(memory);
    if (known !== undefined) return known;
    let func: F | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(build(shared)), { env: { memory } });
      func = typeof exportName === 'string' ? (instance.exports[exportName] as F) : exportName(instance.exports);
    } catch {
      func = null;
    }
    cache.set(memory, func);
    return func;
  };
}
