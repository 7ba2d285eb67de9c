import { BackendError } from '@vae/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { enableRelaxedSimd } from '../backends/environment.js';
import {
  compileModule,
  F32,
  F64,
  I32,
  I64,
  many,
  moduleBytes,
  type Opcode,
  op,
  perMemory,
  RELAXED_SIMD_PROBE,
  sleb,
  uleb,
  V128,
  type ValueType,
  VOID,
  wasmFunction,
} from './wasm-assembler.js';

/** The table's name for a text-format mnemonic: `f32x4.relaxed_madd` → `f32x4RelaxedMadd`. */
function tableName(mnemonic: string): Opcode {
  return mnemonic.replace(/[._]([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as Opcode;
}

// Encodings copied from the specification: WebAssembly 2.0 core, section 5.4 (Instructions), and
// the relaxed SIMD proposal's binary format (Overview.md); 0xFD and 0xFC numbers as u32 LEB128.
const SPEC: Array<[string, number[]]> = [
  ['unreachable', [0x00]],
  ['block', [0x02]],
  ['loop', [0x03]],
  ['if', [0x04]],
  ['else', [0x05]],
  ['end', [0x0b]],
  ['br', [0x0c]],
  ['br_if', [0x0d]],
  ['br_table', [0x0e]],
  ['drop', [0x1a]],
  ['select', [0x1b]],
  ['local.get', [0x20]],
  ['local.set', [0x21]],
  ['local.tee', [0x22]],
  ['i32.load', [0x28]],
  ['f32.load', [0x2a]],
  ['i64.load32_u', [0x35]],
  ['f32.store', [0x38]],
  ['memory.grow', [0x40]],
  ['i32.const', [0x41]],
  ['f32.const', [0x43]],
  ['i32.eqz', [0x45]],
  ['i32.eq', [0x46]],
  ['i32.ne', [0x47]],
  ['i32.ge_u', [0x4f]],
  ['i64.ge_u', [0x5a]],
  ['f64.ge', [0x66]],
  ['i32.add', [0x6a]],
  ['i32.sub', [0x6b]],
  ['i32.mul', [0x6c]],
  ['i32.shl', [0x74]],
  ['i32.rotr', [0x78]],
  ['f32.add', [0x92]],
  ['f64.copysign', [0xa6]],
  ['f64.promote_f32', [0xbb]],
  ['i64.extend32_s', [0xc4]],
  ['i32.trunc_sat_f32_s', [0xfc, 0x00]],
  ['i64.trunc_sat_f64_u', [0xfc, 0x07]],
  ['memory.copy', [0xfc, 0x0a]],
  ['memory.fill', [0xfc, 0x0b]],
  ['v128.load', [0xfd, 0x00]],
  ['v128.load32_splat', [0xfd, 0x09]],
  ['v128.store', [0xfd, 0x0b]],
  ['v128.const', [0xfd, 0x0c]],
  ['i8x16.shuffle', [0xfd, 0x0d]],
  ['i32x4.splat', [0xfd, 0x11]],
  ['f32x4.splat', [0xfd, 0x13]],
  ['f32x4.gt', [0xfd, 0x44]],
  ['f32x4.ge', [0xfd, 0x46]],
  ['v128.and', [0xfd, 0x4e]],
  ['v128.bitselect', [0xfd, 0x52]],
  ['v128.load64_zero', [0xfd, 0x5d]],
  ['f64x2.promote_low_f32x4', [0xfd, 0x5f]],
  ['f32x4.nearest', [0xfd, 0x6a]],
  ['i8x16.avgr_u', [0xfd, 0x7b]],
  ['i16x8.abs', [0xfd, 0x80, 0x01]],
  ['i32x4.shl', [0xfd, 0xab, 0x01]],
  ['i32x4.add', [0xfd, 0xae, 0x01]],
  ['i32x4.dot_i16x8_s', [0xfd, 0xba, 0x01]],
  ['i64x2.eq', [0xfd, 0xd6, 0x01]],
  ['f32x4.abs', [0xfd, 0xe0, 0x01]],
  ['f32x4.neg', [0xfd, 0xe1, 0x01]],
  ['f32x4.sqrt', [0xfd, 0xe3, 0x01]],
  ['f32x4.add', [0xfd, 0xe4, 0x01]],
  ['f32x4.sub', [0xfd, 0xe5, 0x01]],
  ['f32x4.mul', [0xfd, 0xe6, 0x01]],
  ['f32x4.div', [0xfd, 0xe7, 0x01]],
  ['f32x4.min', [0xfd, 0xe8, 0x01]],
  ['f32x4.max', [0xfd, 0xe9, 0x01]],
  ['f64x2.add', [0xfd, 0xf0, 0x01]],
  ['i32x4.trunc_sat_f32x4_s', [0xfd, 0xf8, 0x01]],
  ['f64x2.convert_low_i32x4_u', [0xfd, 0xff, 0x01]],
  ['i8x16.relaxed_swizzle', [0xfd, 0x80, 0x02]],
  ['f32x4.relaxed_madd', [0xfd, 0x85, 0x02]],
  ['f32x4.relaxed_nmadd', [0xfd, 0x86, 0x02]],
  ['i64x2.relaxed_laneselect', [0xfd, 0x8c, 0x02]],
  ['i32x4.relaxed_dot_i8x16_i7x16_add_s', [0xfd, 0x93, 0x02]],
];

/** A load's or store's immediate (alignment 1, offset 0), a lane index, a shuffle's 16 lanes. */
const MEMARG = [0, 0];
const LANE = [0];
const SHUFFLE = new Array<number>(16).fill(0);

/**
 * Every instruction's operand and result types (from the specification's validation rules) and
 * the immediates it takes, in groups; `names` space-separated, as in the table.
 */
const GROUPS: Array<{ names: string; type: string; immediates?: number[] }> = [
  // Numeric
  { names: 'i32Eqz i32Clz i32Ctz i32Popcnt i32Extend8S i32Extend16S', type: 'i32 -> i32' },
  {
    names:
      'i32Eq i32Ne i32LtS i32LtU i32GtS i32GtU i32LeS i32LeU i32GeS i32GeU i32Add i32Sub i32Mul i32DivS i32DivU ' +
      'i32RemS i32RemU i32And i32Or i32Xor i32Shl i32ShrS i32ShrU i32Rotl i32Rotr',
    type: 'i32 i32 -> i32',
  },
  { names: 'i64Eqz i32WrapI64', type: 'i64 -> i32' },
  { names: 'i64Eq i64Ne i64LtS i64LtU i64GtS i64GtU i64LeS i64LeU i64GeS i64GeU', type: 'i64 i64 -> i32' },
  { names: 'i64Clz i64Ctz i64Popcnt i64Extend8S i64Extend16S i64Extend32S', type: 'i64 -> i64' },
  {
    names:
      'i64Add i64Sub i64Mul i64DivS i64DivU i64RemS i64RemU i64And i64Or i64Xor i64Shl i64ShrS i64ShrU i64Rotl i64Rotr',
    type: 'i64 i64 -> i64',
  },
  { names: 'f32Eq f32Ne f32Lt f32Gt f32Le f32Ge', type: 'f32 f32 -> i32' },
  { names: 'f64Eq f64Ne f64Lt f64Gt f64Le f64Ge', type: 'f64 f64 -> i32' },
  { names: 'f32Abs f32Neg f32Ceil f32Floor f32Trunc f32Nearest f32Sqrt', type: 'f32 -> f32' },
  { names: 'f32Add f32Sub f32Mul f32Div f32Min f32Max f32Copysign', type: 'f32 f32 -> f32' },
  { names: 'f64Abs f64Neg f64Ceil f64Floor f64Trunc f64Nearest f64Sqrt', type: 'f64 -> f64' },
  { names: 'f64Add f64Sub f64Mul f64Div f64Min f64Max f64Copysign', type: 'f64 f64 -> f64' },
  { names: 'i32TruncF32S i32TruncF32U i32ReinterpretF32 i32TruncSatF32S i32TruncSatF32U', type: 'f32 -> i32' },
  { names: 'i32TruncF64S i32TruncF64U i32TruncSatF64S i32TruncSatF64U', type: 'f64 -> i32' },
  { names: 'i64ExtendI32S i64ExtendI32U', type: 'i32 -> i64' },
  { names: 'i64TruncF32S i64TruncF32U i64TruncSatF32S i64TruncSatF32U', type: 'f32 -> i64' },
  { names: 'i64TruncF64S i64TruncF64U i64ReinterpretF64 i64TruncSatF64S i64TruncSatF64U', type: 'f64 -> i64' },
  { names: 'f32ConvertI32S f32ConvertI32U f32ReinterpretI32', type: 'i32 -> f32' },
  { names: 'f32ConvertI64S f32ConvertI64U', type: 'i64 -> f32' },
  { names: 'f32DemoteF64', type: 'f64 -> f32' },
  { names: 'f64ConvertI32S f64ConvertI32U', type: 'i32 -> f64' },
  { names: 'f64ConvertI64S f64ConvertI64U f64ReinterpretI64', type: 'i64 -> f64' },
  { names: 'f64PromoteF32', type: 'f32 -> f64' },
  // Constants and parametric
  { names: 'i32Const', type: ' -> i32', immediates: [0] },
  { names: 'i64Const', type: ' -> i64', immediates: [0] },
  { names: 'f32Const', type: ' -> f32', immediates: [0, 0, 0, 0] },
  { names: 'f64Const', type: ' -> f64', immediates: new Array<number>(8).fill(0) },
  { names: 'v128Const', type: ' -> v128', immediates: new Array<number>(16).fill(0) },
  { names: 'drop', type: 'i32 -> ' },
  { names: 'select', type: 'i32 i32 i32 -> i32' },
  // Memory
  { names: 'i32Load i32Load8S i32Load8U i32Load16S i32Load16U', type: 'i32 -> i32', immediates: MEMARG },
  {
    names: 'i64Load i64Load8S i64Load8U i64Load16S i64Load16U i64Load32S i64Load32U',
    type: 'i32 -> i64',
    immediates: MEMARG,
  },
  { names: 'f32Load', type: 'i32 -> f32', immediates: MEMARG },
  { names: 'f64Load', type: 'i32 -> f64', immediates: MEMARG },
  { names: 'i32Store i32Store8 i32Store16', type: 'i32 i32 -> ', immediates: MEMARG },
  { names: 'i64Store i64Store8 i64Store16 i64Store32', type: 'i32 i64 -> ', immediates: MEMARG },
  { names: 'f32Store', type: 'i32 f32 -> ', immediates: MEMARG },
  { names: 'f64Store', type: 'i32 f64 -> ', immediates: MEMARG },
  { names: 'memorySize', type: ' -> i32', immediates: [0] },
  { names: 'memoryGrow', type: 'i32 -> i32', immediates: [0] },
  { names: 'memoryCopy', type: 'i32 i32 i32 -> ', immediates: [0, 0] },
  { names: 'memoryFill', type: 'i32 i32 i32 -> ', immediates: [0] },
  // SIMD memory
  {
    names:
      'v128Load v128Load8x8S v128Load8x8U v128Load16x4S v128Load16x4U v128Load32x2S v128Load32x2U ' +
      'v128Load8Splat v128Load16Splat v128Load32Splat v128Load64Splat v128Load32Zero v128Load64Zero',
    type: 'i32 -> v128',
    immediates: MEMARG,
  },
  { names: 'v128Store', type: 'i32 v128 -> ', immediates: MEMARG },
  {
    names: 'v128Load8Lane v128Load16Lane v128Load32Lane v128Load64Lane',
    type: 'i32 v128 -> v128',
    immediates: [...MEMARG, ...LANE],
  },
  {
    names: 'v128Store8Lane v128Store16Lane v128Store32Lane v128Store64Lane',
    type: 'i32 v128 -> ',
    immediates: [...MEMARG, ...LANE],
  },
  // SIMD lanes
  { names: 'i8x16Shuffle', type: 'v128 v128 -> v128', immediates: SHUFFLE },
  { names: 'i8x16Splat i16x8Splat i32x4Splat', type: 'i32 -> v128' },
  { names: 'i64x2Splat', type: 'i64 -> v128' },
  { names: 'f32x4Splat', type: 'f32 -> v128' },
  { names: 'f64x2Splat', type: 'f64 -> v128' },
  {
    names: 'i8x16ExtractLaneS i8x16ExtractLaneU i16x8ExtractLaneS i16x8ExtractLaneU i32x4ExtractLane',
    type: 'v128 -> i32',
    immediates: LANE,
  },
  { names: 'i64x2ExtractLane', type: 'v128 -> i64', immediates: LANE },
  { names: 'f32x4ExtractLane', type: 'v128 -> f32', immediates: LANE },
  { names: 'f64x2ExtractLane', type: 'v128 -> f64', immediates: LANE },
  { names: 'i8x16ReplaceLane i16x8ReplaceLane i32x4ReplaceLane', type: 'v128 i32 -> v128', immediates: LANE },
  { names: 'i64x2ReplaceLane', type: 'v128 i64 -> v128', immediates: LANE },
  { names: 'f32x4ReplaceLane', type: 'v128 f32 -> v128', immediates: LANE },
  { names: 'f64x2ReplaceLane', type: 'v128 f64 -> v128', immediates: LANE },
  // SIMD arithmetic
  {
    names:
      'v128AnyTrue i8x16AllTrue i8x16Bitmask i16x8AllTrue i16x8Bitmask i32x4AllTrue i32x4Bitmask ' +
      'i64x2AllTrue i64x2Bitmask',
    type: 'v128 -> i32',
  },
  {
    names:
      'i8x16Shl i8x16ShrS i8x16ShrU i16x8Shl i16x8ShrS i16x8ShrU i32x4Shl i32x4ShrS i32x4ShrU ' +
      'i64x2Shl i64x2ShrS i64x2ShrU',
    type: 'v128 i32 -> v128',
  },
  {
    names:
      'v128Not i8x16Abs i8x16Neg i8x16Popcnt ' +
      'i16x8ExtaddPairwiseI8x16S i16x8ExtaddPairwiseI8x16U i16x8Abs i16x8Neg ' +
      'i16x8ExtendLowI8x16S i16x8ExtendHighI8x16S i16x8ExtendLowI8x16U i16x8ExtendHighI8x16U ' +
      'i32x4ExtaddPairwiseI16x8S i32x4ExtaddPairwiseI16x8U i32x4Abs i32x4Neg ' +
      'i32x4ExtendLowI16x8S i32x4ExtendHighI16x8S i32x4ExtendLowI16x8U i32x4ExtendHighI16x8U ' +
      'i64x2Abs i64x2Neg i64x2ExtendLowI32x4S i64x2ExtendHighI32x4S i64x2ExtendLowI32x4U i64x2ExtendHighI32x4U ' +
      'f32x4Ceil f32x4Floor f32x4Trunc f32x4Nearest f32x4Abs f32x4Neg f32x4Sqrt ' +
      'f64x2Ceil f64x2Floor f64x2Trunc f64x2Nearest f64x2Abs f64x2Neg f64x2Sqrt ' +
      'i32x4TruncSatF32x4S i32x4TruncSatF32x4U f32x4ConvertI32x4S f32x4ConvertI32x4U ' +
      'i32x4TruncSatF64x2SZero i32x4TruncSatF64x2UZero f64x2ConvertLowI32x4S f64x2ConvertLowI32x4U ' +
      'f32x4DemoteF64x2Zero f64x2PromoteLowF32x4 ' +
      'i32x4RelaxedTruncF32x4S i32x4RelaxedTruncF32x4U i32x4RelaxedTruncF64x2SZero i32x4RelaxedTruncF64x2UZero',
    type: 'v128 -> v128',
  },
  {
    names:
      'i8x16Swizzle v128And v128Andnot v128Or v128Xor ' +
      'i8x16Eq i8x16Ne i8x16LtS i8x16LtU i8x16GtS i8x16GtU i8x16LeS i8x16LeU i8x16GeS i8x16GeU ' +
      'i16x8Eq i16x8Ne i16x8LtS i16x8LtU i16x8GtS i16x8GtU i16x8LeS i16x8LeU i16x8GeS i16x8GeU ' +
      'i32x4Eq i32x4Ne i32x4LtS i32x4LtU i32x4GtS i32x4GtU i32x4LeS i32x4LeU i32x4GeS i32x4GeU ' +
      'i64x2Eq i64x2Ne i64x2LtS i64x2GtS i64x2LeS i64x2GeS ' +
      'f32x4Eq f32x4Ne f32x4Lt f32x4Gt f32x4Le f32x4Ge f64x2Eq f64x2Ne f64x2Lt f64x2Gt f64x2Le f64x2Ge ' +
      'i8x16NarrowI16x8S i8x16NarrowI16x8U i8x16Add i8x16AddSatS i8x16AddSatU i8x16Sub i8x16SubSatS ' +
      'i8x16SubSatU i8x16MinS i8x16MinU i8x16MaxS i8x16MaxU i8x16AvgrU ' +
      'i16x8Q15mulrSatS i16x8NarrowI32x4S i16x8NarrowI32x4U i16x8Add i16x8AddSatS i16x8AddSatU i16x8Sub ' +
      'i16x8SubSatS i16x8SubSatU i16x8Mul i16x8MinS i16x8MinU i16x8MaxS i16x8MaxU i16x8AvgrU ' +
      'i16x8ExtmulLowI8x16S i16x8ExtmulHighI8x16S i16x8ExtmulLowI8x16U i16x8ExtmulHighI8x16U ' +
      'i32x4Add i32x4Sub i32x4Mul i32x4MinS i32x4MinU i32x4MaxS i32x4MaxU i32x4DotI16x8S ' +
      'i32x4ExtmulLowI16x8S i32x4ExtmulHighI16x8S i32x4ExtmulLowI16x8U i32x4ExtmulHighI16x8U ' +
      'i64x2Add i64x2Sub i64x2Mul ' +
      'i64x2ExtmulLowI32x4S i64x2ExtmulHighI32x4S i64x2ExtmulLowI32x4U i64x2ExtmulHighI32x4U ' +
      'f32x4Add f32x4Sub f32x4Mul f32x4Div f32x4Min f32x4Max f32x4Pmin f32x4Pmax ' +
      'f64x2Add f64x2Sub f64x2Mul f64x2Div f64x2Min f64x2Max f64x2Pmin f64x2Pmax ' +
      'i8x16RelaxedSwizzle f32x4RelaxedMin f32x4RelaxedMax f64x2RelaxedMin f64x2RelaxedMax ' +
      'i16x8RelaxedQ15mulrS i16x8RelaxedDotI8x16I7x16S',
    type: 'v128 v128 -> v128',
  },
  {
    names:
      'v128Bitselect f32x4RelaxedMadd f32x4RelaxedNmadd f64x2RelaxedMadd f64x2RelaxedNmadd ' +
      'i8x16RelaxedLaneselect i16x8RelaxedLaneselect i32x4RelaxedLaneselect i64x2RelaxedLaneselect ' +
      'i32x4RelaxedDotI8x16I7x16AddS',
    type: 'v128 v128 v128 -> v128',
  },
];

const TYPES: Record<string, ValueType> = { i32: I32, i64: I64, f32: F32, f64: F64, v128: V128 };
const types = (list: string) =>
  list
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => TYPES[t] as ValueType);

/**
 * A function that pushes one operand of each parameter type, runs the instruction and stores its
 * results in locals of the result types (so a wrong result type fails validation too).
 */
function exercise(name: Opcode, type: string, immediates: number[] = []) {
  const [params, results] = type.split('->').map(types) as [ValueType[], ValueType[]];
  const fn = wasmFunction('f', {
    params: Object.fromEntries(params.map((t, i) => [`p${i}`, t])),
    locals: Object.fromEntries(results.map((t, i) => [`r${i}`, t])),
  });
  const operands = params.flatMap((_, i) => fn.get(`p${i}`));
  const stores = results.flatMap((_, i) => fn.set(`r${results.length - 1 - i}`));
  return fn.assemble([...operands, ...op[name], ...immediates, ...stores]);
}

/** Functions for the control and variable instructions, which need a shape around them. */
function control(name: Opcode) {
  const fn = wasmFunction('f', { params: { x: I32 } });
  const { get } = fn;
  const bodies: Partial<Record<Opcode, number[]>> = {
    unreachable: op.unreachable,
    nop: op.nop,
    block: [...op.block, VOID, ...op.end],
    loop: [...op.loop, VOID, ...op.end],
    br: [...op.block, VOID, ...op.br, 0, ...op.end],
    brIf: [...op.block, VOID, ...get('x'), ...op.brIf, 0, ...op.end],
    brTable: [...op.block, VOID, ...get('x'), ...op.brTable, 1, 0, 0, ...op.end],
    return: op.return,
    // The module's only function is function 0, which takes an i32.
    call: [...get('x'), ...op.call, 0],
    localGet: [...op.localGet, 0, ...op.drop],
    localSet: [...op.i32Const, 1, ...op.localSet, 0],
    localTee: [...op.i32Const, 1, ...op.localTee, 0, ...op.drop],
  };
  const ifElse = [...get('x'), ...op.if, VOID, ...op.nop, ...op.else, ...op.nop, ...op.end];
  for (const branch of ['if', 'else', 'end'] as const) bodies[branch] = ifElse;
  const body = bodies[name];
  return body === undefined ? undefined : fn.assemble(body);
}

describe('the opcode table', () => {
  it.each(SPEC)('encodes %s as the specification does', (mnemonic, bytes) => {
    expect(op[tableName(mnemonic)]).toEqual(bytes);
  });

  it('gives no two instructions the same bytes, each a core opcode or a 0xFC/0xFD number', () => {
    const seen = new Map<string, string>();
    for (const [name, bytes] of Object.entries(op)) {
      const key = bytes.join(',');
      expect(seen.get(key), `${name} shares its bytes`).toBeUndefined();
      seen.set(key, name);
      if (bytes[0] === 0xfc || bytes[0] === 0xfd) {
        // The number after the prefix, in its shortest LEB128 form.
        const number = bytes.slice(1).reduce((n, byte, i) => n + (byte & 0x7f) * 128 ** i, 0);
        expect(bytes.slice(1), name).toEqual(uleb(number));
      } else {
        expect(bytes, name).toHaveLength(1);
      }
    }
  });

  it('has each instruction in exactly one group of this test, and every group names table entries', () => {
    const listed = GROUPS.flatMap((g) => g.names.split(' '));
    const controls = Object.keys(op).filter((name) => control(name as Opcode) !== undefined);
    expect([...listed, ...controls].sort()).toEqual(Object.keys(op).sort());
  });

  it('assembles every instruction, with operands of its types, into a module WebAssembly.validate accepts', () => {
    expect(enableRelaxedSimd()).toBe(true);
    const invalid: string[] = [];
    for (const group of GROUPS) {
      for (const name of group.names.split(' ') as Opcode[]) {
        if (!WebAssembly.validate(moduleBytes(exercise(name, group.type, group.immediates)))) invalid.push(name);
      }
    }
    for (const name of Object.keys(op) as Opcode[]) {
      const fn = control(name);
      if (fn !== undefined && !WebAssembly.validate(moduleBytes(fn))) invalid.push(name);
    }
    expect(invalid).toEqual([]);
  });

  it('is checked by validation that refuses wrong operand types', () => {
    expect(WebAssembly.validate(moduleBytes(exercise('i32Add', 'f32 f32 -> i32')))).toBe(false);
    expect(WebAssembly.validate(moduleBytes(exercise('f32x4Add', 'v128 -> v128')))).toBe(false);
    expect(WebAssembly.validate(moduleBytes(exercise('f32x4Splat', 'f32 -> f32')))).toBe(false);
  });
});

describe('LEB128', () => {
  it('encodes unsigned and signed numbers', () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe('wasmFunction', () => {
  const fn = wasmFunction('f', {
    params: { a: I32, b: F32 },
    locals: { c: I32, d: I32, v: V128, e: I32, w: many(V128, 3) },
  });

  it('numbers parameters, then locals, in the order written, and declares runs of one type once', () => {
    expect(fn.assemble([])).toEqual({
      exportName: 'f',
      params: [I32, F32],
      locals: [
        [2, I32],
        [1, V128],
        [1, I32],
        [3, V128],
      ],
      body: [],
    });
    expect(['a', 'b', 'c', 'd', 'v', 'e'].map((name) => fn.index(name as 'a'))).toEqual([0, 1, 2, 3, 4, 5]);
    expect([0, 1, 2].map((k) => fn.index('w', k))).toEqual([6, 7, 8]);
  });

  it('reads and writes locals by name', () => {
    expect(fn.get('b')).toEqual([0x20, 1]);
    expect(fn.set('w', 2)).toEqual([0x21, 8]);
    expect(fn.tee('e')).toEqual([0x22, 5]);
    expect(fn.addTo('c', [0x41, 16])).toEqual([0x20, 2, 0x41, 16, 0x6a, 0x21, 2]);
    expect(fn.decrement('d')).toEqual([0x20, 3, 0x41, 1, 0x6b, 0x21, 3]);
    expect(fn.offsetBy('a', 'c')).toEqual([0x20, 0, 0x20, 2, 0x6a]);
  });

  it('writes local indices past 127 as LEB128', () => {
    const wide = wasmFunction('g', { params: { x: I32 }, locals: { many: many(V128, 200), last: I32 } });
    expect(wide.get('last')).toEqual([0x20, 0xc9, 0x01]);
    expect(wide.assemble([]).locals).toEqual([
      [200, V128],
      [1, I32],
    ]);
  });

  it('refuses unknown names, elements out of range, names used twice and array-index names', () => {
    expect(() => fn.get('nope' as 'a')).toThrow(/no local 'nope'/);
    expect(() => fn.get('w', 3)).toThrow(BackendError);
    expect(() => fn.get('a', 1)).toThrow(/no local 'a' \[1\]/);
    expect(() => wasmFunction('h', { params: { x: I32 }, locals: { x: I32 } })).toThrow(/'x' is declared twice/);
    expect(() => wasmFunction('h', { params: { '0': I32 } })).toThrow(BackendError);
    expect(() => wasmFunction('h', { params: {}, locals: { none: many(I32, 0) } })).toThrow(BackendError);
  });
});

describe('perMemory and compileModule', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A module whose function adds two vectors it never pushed: invalid wherever SIMD exists. */
  const broken = () => {
    const fn = wasmFunction('broken', { params: { x: V128 } });
    return moduleBytes(fn.assemble([...op.f32x4Add, ...op.drop]));
  };
  const valid = () => {
    const fn = wasmFunction('ok', { params: { x: V128 } });
    return moduleBytes(fn.assemble([...fn.get('x'), ...fn.get('x'), ...op.f32x4Add, ...op.drop]));
  };

  it('throws a BackendError naming the module and the engine’s reason when our module is invalid', () => {
    const bind = perMemory('broken-test-module', broken, 'broken');
    const memory = new WebAssembly.Memory({ initial: 1 });
    let error: unknown;
    try {
      bind(memory);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(/module broken-test-module .*is invalid: .+bug in @vae\/backends/);
    expect((error as BackendError).cause).toBeInstanceOf(WebAssembly.CompileError);
  });

  it('returns null (the slower path) where the engine has no wasm SIMD', () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(compileModule('broken', broken(), false)).toBeNull();
  });

  it('returns null where the module needs relaxed SIMD and the engine has none, and throws where it needs none', () => {
    const validate = WebAssembly.validate.bind(WebAssembly);
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => bytes !== RELAXED_SIMD_PROBE && validate(bytes));
    expect(compileModule('broken', broken(), false, { relaxedSimd: true })).toBeNull();
    expect(() => compileModule('broken', broken(), false)).toThrow(BackendError);
  });

  it('binds once per memory, and gives null for a shared memory when the module imports an ordinary one', () => {
    const bind = perMemory<() => void>('ok', valid, 'ok');
    const memory = new WebAssembly.Memory({ initial: 1 });
    const func = bind(memory);
    expect(typeof func).toBe('function');
    expect(bind(memory)).toBe(func);
    expect(bind(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }))).toBeNull();
  });
});
