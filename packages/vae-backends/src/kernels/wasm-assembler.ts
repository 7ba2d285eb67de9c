// The few pieces of the WebAssembly binary format our hand-assembled SIMD kernels need: value
// types, the opcodes they use, LEB128 numbers, and a module of one function that imports the
// wasm backend's memory as `env.memory`.

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Opcodes (single-byte ones as numbers, SIMD ones as byte lists). */
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_CONST = 0x41;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const I32_SHL = 0x74;
export const I32_GE_U = 0x4f;
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const BR_IF = 0x0d;
export const BR = 0x0c;
export const END = 0x0b;
export const VOID = 0x40;
export const SIMD = 0xfd;
export const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // align 1 (a hint), offset 0
export const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
export const I8X16_SHUFFLE = [SIMD, 0x0d];
export const F32X4_SPLAT = [SIMD, 0x13];
export const F32X4_SQRT = [SIMD, 0xe3, 0x01];
export const F32X4_ADD = [SIMD, 0xe4, 0x01];
export const F32X4_MUL = [SIMD, 0xe6, 0x01];
export const F32X4_DIV = [SIMD, 0xe7, 0x01];

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

/** The bytes of a module that imports `env.memory` and exports one function without results. */
export function moduleBytes(fn: AssembledFunction): Uint8Array<ArrayBuffer> {
  const type = section(1, [1, 0x60, ...uleb(fn.params.length), ...fn.params, 0]);
  const imports = section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]);
  const functions = section(3, [1, 0]);
  const exports = section(7, [1, ...name(fn.exportName), 0x00, 0]);
  const locals = [...uleb(fn.locals.length), ...fn.locals.flatMap(([count, t]) => [...uleb(count), t])];
  const body = [...locals, ...fn.body, END];
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

/**
 * The function `exportName` of the module `build()` makes, bound to a wasm backend's memory:
 * instantiated once per memory, `null` where it cannot run (no wasm SIMD in this engine, or a
 * shared memory, which the module does not import).
 */
export function perMemory<F>(
  build: () => Uint8Array<ArrayBuffer>,
  exportName: string,
): (memory: WebAssembly.Memory) => F | null {
  const cache = new WeakMap<WebAssembly.Memory, F | null>();
  return (memory) => {
    const known = cache.get(memory);
    if (known !== undefined) return known;
    let func: F | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      if (!shared) {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(build()), { env: { memory } });
        func = instance.exports[exportName] as F;
      }
    } catch {
      func = null;
    }
    cache.set(memory, func);
    return func;
  };
}
