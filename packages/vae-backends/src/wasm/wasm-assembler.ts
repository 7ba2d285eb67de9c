// The assembler of our hand-written WebAssembly SIMD kernels: the binary format's value types, one
// table of every instruction's opcode, LEB128 numbers, a function builder with named locals, and
// a module of functions that imports the wasm backend's memory as `env.memory`.
import { BackendError } from '@vae/core';

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** One of the value types above. */
export type ValueType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** The block type of a `block`, `loop` or `if` that takes and leaves nothing. */
export const VOID = 0x40;

/** An instruction of the `0xFD` prefix (SIMD, relaxed SIMD): the prefix, then the number as a u32. */
function simd(number: number): readonly number[] {
  return [0xfd, ...uleb(number)];
}

/** An instruction of the `0xFC` prefix (saturating truncation, bulk memory). */
function misc(number: number): readonly number[] {
  return [0xfc, ...uleb(number)];
}

/**
 * Every instruction the assembler knows: its opcode bytes, without immediates (a load's alignment
 * and offset, a local's index, a lane, a constant), which the code that uses it appends.
 *
 * Names are the text format's with the dots and underscores dropped, camel-cased:
 * `f32x4.relaxed_madd` is `f32x4RelaxedMadd`, `br_if` is `brIf`. Numbers as the specification writes
 * them: hex for the core opcodes, the `0xFD` (SIMD) and `0xFC` prefixes followed by the
 * instruction's number in decimal. From the WebAssembly 2.0 core specification's binary format
 * (section 5.4) and the relaxed SIMD proposal. Left out: what a module of ours cannot declare
 * (globals, tables, data segments, more than one memory, reference types, atomics).
 */
export const op = Object.freeze({
  // Control
  unreachable: [0x00],
  nop: [0x01],
  block: [0x02],
  loop: [0x03],
  if: [0x04],
  else: [0x05],
  end: [0x0b],
  br: [0x0c],
  brIf: [0x0d],
  brTable: [0x0e],
  return: [0x0f],
  call: [0x10],
  // Parametric
  drop: [0x1a],
  select: [0x1b],
  // Variables
  localGet: [0x20],
  localSet: [0x21],
  localTee: [0x22],
  // Memory
  i32Load: [0x28],
  i64Load: [0x29],
  f32Load: [0x2a],
  f64Load: [0x2b],
  i32Load8S: [0x2c],
  i32Load8U: [0x2d],
  i32Load16S: [0x2e],
  i32Load16U: [0x2f],
  i64Load8S: [0x30],
  i64Load8U: [0x31],
  i64Load16S: [0x32],
  i64Load16U: [0x33],
  i64Load32S: [0x34],
  i64Load32U: [0x35],
  i32Store: [0x36],
  i64Store: [0x37],
  f32Store: [0x38],
  f64Store: [0x39],
  i32Store8: [0x3a],
  i32Store16: [0x3b],
  i64Store8: [0x3c],
  i64Store16: [0x3d],
  i64Store32: [0x3e],
  memorySize: [0x3f],
  memoryGrow: [0x40],
  memoryCopy: misc(10),
  memoryFill: misc(11),
  // Constants
  i32Const: [0x41],
  i64Const: [0x42],
  f32Const: [0x43],
  f64Const: [0x44],
  // i32 comparisons
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtS: [0x48],
  i32LtU: [0x49],
  i32GtS: [0x4a],
  i32GtU: [0x4b],
  i32LeS: [0x4c],
  i32LeU: [0x4d],
  i32GeS: [0x4e],
  i32GeU: [0x4f],
  // i64 comparisons
  i64Eqz: [0x50],
  i64Eq: [0x51],
  i64Ne: [0x52],
  i64LtS: [0x53],
  i64LtU: [0x54],
  i64GtS: [0x55],
  i64GtU: [0x56],
  i64LeS: [0x57],
  i64LeU: [0x58],
  i64GeS: [0x59],
  i64GeU: [0x5a],
  // f32 and f64 comparisons
  f32Eq: [0x5b],
  f32Ne: [0x5c],
  f32Lt: [0x5d],
  f32Gt: [0x5e],
  f32Le: [0x5f],
  f32Ge: [0x60],
  f64Eq: [0x61],
  f64Ne: [0x62],
  f64Lt: [0x63],
  f64Gt: [0x64],
  f64Le: [0x65],
  f64Ge: [0x66],
  // i32 arithmetic
  i32Clz: [0x67],
  i32Ctz: [0x68],
  i32Popcnt: [0x69],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivS: [0x6d],
  i32DivU: [0x6e],
  i32RemS: [0x6f],
  i32RemU: [0x70],
  i32And: [0x71],
  i32Or: [0x72],
  i32Xor: [0x73],
  i32Shl: [0x74],
  i32ShrS: [0x75],
  i32ShrU: [0x76],
  i32Rotl: [0x77],
  i32Rotr: [0x78],
  // i64 arithmetic
  i64Clz: [0x79],
  i64Ctz: [0x7a],
  i64Popcnt: [0x7b],
  i64Add: [0x7c],
  i64Sub: [0x7d],
  i64Mul: [0x7e],
  i64DivS: [0x7f],
  i64DivU: [0x80],
  i64RemS: [0x81],
  i64RemU: [0x82],
  i64And: [0x83],
  i64Or: [0x84],
  i64Xor: [0x85],
  i64Shl: [0x86],
  i64ShrS: [0x87],
  i64ShrU: [0x88],
  i64Rotl: [0x89],
  i64Rotr: [0x8a],
  // f32 arithmetic
  f32Abs: [0x8b],
  f32Neg: [0x8c],
  f32Ceil: [0x8d],
  f32Floor: [0x8e],
  f32Trunc: [0x8f],
  f32Nearest: [0x90],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Min: [0x96],
  f32Max: [0x97],
  f32Copysign: [0x98],
  // f64 arithmetic
  f64Abs: [0x99],
  f64Neg: [0x9a],
  f64Ceil: [0x9b],
  f64Floor: [0x9c],
  f64Trunc: [0x9d],
  f64Nearest: [0x9e],
  f64Sqrt: [0x9f],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f64Min: [0xa4],
  f64Max: [0xa5],
  f64Copysign: [0xa6],
  // Conversions
  i32WrapI64: [0xa7],
  i32TruncF32S: [0xa8],
  i32TruncF32U: [0xa9],
  i32TruncF64S: [0xaa],
  i32TruncF64U: [0xab],
  i64ExtendI32S: [0xac],
  i64ExtendI32U: [0xad],
  i64TruncF32S: [0xae],
  i64TruncF32U: [0xaf],
  i64TruncF64S: [0xb0],
  i64TruncF64U: [0xb1],
  f32ConvertI32S: [0xb2],
  f32ConvertI32U: [0xb3],
  f32ConvertI64S: [0xb4],
  f32ConvertI64U: [0xb5],
  f32DemoteF64: [0xb6],
  f64ConvertI32S: [0xb7],
  f64ConvertI32U: [0xb8],
  f64ConvertI64S: [0xb9],
  f64ConvertI64U: [0xba],
  f64PromoteF32: [0xbb],
  i32ReinterpretF32: [0xbc],
  i64ReinterpretF64: [0xbd],
  f32ReinterpretI32: [0xbe],
  f64ReinterpretI64: [0xbf],
  i32Extend8S: [0xc0],
  i32Extend16S: [0xc1],
  i64Extend8S: [0xc2],
  i64Extend16S: [0xc3],
  i64Extend32S: [0xc4],
  i32TruncSatF32S: misc(0),
  i32TruncSatF32U: misc(1),
  i32TruncSatF64S: misc(2),
  i32TruncSatF64U: misc(3),
  i64TruncSatF32S: misc(4),
  i64TruncSatF32U: misc(5),
  i64TruncSatF64S: misc(6),
  i64TruncSatF64U: misc(7),
  // SIMD memory
  v128Load: simd(0),
  v128Load8x8S: simd(1),
  v128Load8x8U: simd(2),
  v128Load16x4S: simd(3),
  v128Load16x4U: simd(4),
  v128Load32x2S: simd(5),
  v128Load32x2U: simd(6),
  v128Load8Splat: simd(7),
  v128Load16Splat: simd(8),
  v128Load32Splat: simd(9),
  v128Load64Splat: simd(10),
  v128Store: simd(11),
  v128Load32Zero: simd(92),
  v128Load64Zero: simd(93),
  v128Load8Lane: simd(84),
  v128Load16Lane: simd(85),
  v128Load32Lane: simd(86),
  v128Load64Lane: simd(87),
  v128Store8Lane: simd(88),
  v128Store16Lane: simd(89),
  v128Store32Lane: simd(90),
  v128Store64Lane: simd(91),
  // SIMD constant, shuffles, splats and lanes
  v128Const: simd(12),
  i8x16Shuffle: simd(13),
  i8x16Swizzle: simd(14),
  i8x16Splat: simd(15),
  i16x8Splat: simd(16),
  i32x4Splat: simd(17),
  i64x2Splat: simd(18),
  f32x4Splat: simd(19),
  f64x2Splat: simd(20),
  i8x16ExtractLaneS: simd(21),
  i8x16ExtractLaneU: simd(22),
  i8x16ReplaceLane: simd(23),
  i16x8ExtractLaneS: simd(24),
  i16x8ExtractLaneU: simd(25),
  i16x8ReplaceLane: simd(26),
  i32x4ExtractLane: simd(27),
  i32x4ReplaceLane: simd(28),
  i64x2ExtractLane: simd(29),
  i64x2ReplaceLane: simd(30),
  f32x4ExtractLane: simd(31),
  f32x4ReplaceLane: simd(32),
  f64x2ExtractLane: simd(33),
  f64x2ReplaceLane: simd(34),
  // SIMD comparisons
  i8x16Eq: simd(35),
  i8x16Ne: simd(36),
  i8x16LtS: simd(37),
  i8x16LtU: simd(38),
  i8x16GtS: simd(39),
  i8x16GtU: simd(40),
  i8x16LeS: simd(41),
  i8x16LeU: simd(42),
  i8x16GeS: simd(43),
  i8x16GeU: simd(44),
  i16x8Eq: simd(45),
  i16x8Ne: simd(46),
  i16x8LtS: simd(47),
  i16x8LtU: simd(48),
  i16x8GtS: simd(49),
  i16x8GtU: simd(50),
  i16x8LeS: simd(51),
  i16x8LeU: simd(52),
  i16x8GeS: simd(53),
  i16x8GeU: simd(54),
  i32x4Eq: simd(55),
  i32x4Ne: simd(56),
  i32x4LtS: simd(57),
  i32x4LtU: simd(58),
  i32x4GtS: simd(59),
  i32x4GtU: simd(60),
  i32x4LeS: simd(61),
  i32x4LeU: simd(62),
  i32x4GeS: simd(63),
  i32x4GeU: simd(64),
  i64x2Eq: simd(214),
  i64x2Ne: simd(215),
  i64x2LtS: simd(216),
  i64x2GtS: simd(217),
  i64x2LeS: simd(218),
  i64x2GeS: simd(219),
  f32x4Eq: simd(65),
  f32x4Ne: simd(66),
  f32x4Lt: simd(67),
  f32x4Gt: simd(68),
  f32x4Le: simd(69),
  f32x4Ge: simd(70),
  f64x2Eq: simd(71),
  f64x2Ne: simd(72),
  f64x2Lt: simd(73),
  f64x2Gt: simd(74),
  f64x2Le: simd(75),
  f64x2Ge: simd(76),
  // SIMD bitwise
  v128Not: simd(77),
  v128And: simd(78),
  v128Andnot: simd(79),
  v128Or: simd(80),
  v128Xor: simd(81),
  v128Bitselect: simd(82),
  v128AnyTrue: simd(83),
  // i8x16 arithmetic
  i8x16Abs: simd(96),
  i8x16Neg: simd(97),
  i8x16Popcnt: simd(98),
  i8x16AllTrue: simd(99),
  i8x16Bitmask: simd(100),
  i8x16NarrowI16x8S: simd(101),
  i8x16NarrowI16x8U: simd(102),
  i8x16Shl: simd(107),
  i8x16ShrS: simd(108),
  i8x16ShrU: simd(109),
  i8x16Add: simd(110),
  i8x16AddSatS: simd(111),
  i8x16AddSatU: simd(112),
  i8x16Sub: simd(113),
  i8x16SubSatS: simd(114),
  i8x16SubSatU: simd(115),
  i8x16MinS: simd(118),
  i8x16MinU: simd(119),
  i8x16MaxS: simd(120),
  i8x16MaxU: simd(121),
  i8x16AvgrU: simd(123),
  // i16x8 arithmetic
  i16x8ExtaddPairwiseI8x16S: simd(124),
  i16x8ExtaddPairwiseI8x16U: simd(125),
  i16x8Abs: simd(128),
  i16x8Neg: simd(129),
  i16x8Q15mulrSatS: simd(130),
  i16x8AllTrue: simd(131),
  i16x8Bitmask: simd(132),
  i16x8NarrowI32x4S: simd(133),
  i16x8NarrowI32x4U: simd(134),
  i16x8ExtendLowI8x16S: simd(135),
  i16x8ExtendHighI8x16S: simd(136),
  i16x8ExtendLowI8x16U: simd(137),
  i16x8ExtendHighI8x16U: simd(138),
  i16x8Shl: simd(139),
  i16x8ShrS: simd(140),
  i16x8ShrU: simd(141),
  i16x8Add: simd(142),
  i16x8AddSatS: simd(143),
  i16x8AddSatU: simd(144),
  i16x8Sub: simd(145),
  i16x8SubSatS: simd(146),
  i16x8SubSatU: simd(147),
  i16x8Mul: simd(149),
  i16x8MinS: simd(150),
  i16x8MinU: simd(151),
  i16x8MaxS: simd(152),
  i16x8MaxU: simd(153),
  i16x8AvgrU: simd(155),
  i16x8ExtmulLowI8x16S: simd(156),
  i16x8ExtmulHighI8x16S: simd(157),
  i16x8ExtmulLowI8x16U: simd(158),
  i16x8ExtmulHighI8x16U: simd(159),
  // i32x4 arithmetic
  i32x4ExtaddPairwiseI16x8S: simd(126),
  i32x4ExtaddPairwiseI16x8U: simd(127),
  i32x4Abs: simd(160),
  i32x4Neg: simd(161),
  i32x4AllTrue: simd(163),
  i32x4Bitmask: simd(164),
  i32x4ExtendLowI16x8S: simd(167),
  i32x4ExtendHighI16x8S: simd(168),
  i32x4ExtendLowI16x8U: simd(169),
  i32x4ExtendHighI16x8U: simd(170),
  i32x4Shl: simd(171),
  i32x4ShrS: simd(172),
  i32x4ShrU: simd(173),
  i32x4Add: simd(174),
  i32x4Sub: simd(177),
  i32x4Mul: simd(181),
  i32x4MinS: simd(182),
  i32x4MinU: simd(183),
  i32x4MaxS: simd(184),
  i32x4MaxU: simd(185),
  i32x4DotI16x8S: simd(186),
  i32x4ExtmulLowI16x8S: simd(188),
  i32x4ExtmulHighI16x8S: simd(189),
  i32x4ExtmulLowI16x8U: simd(190),
  i32x4ExtmulHighI16x8U: simd(191),
  // i64x2 arithmetic
  i64x2Abs: simd(192),
  i64x2Neg: simd(193),
  i64x2AllTrue: simd(195),
  i64x2Bitmask: simd(196),
  i64x2ExtendLowI32x4S: simd(199),
  i64x2ExtendHighI32x4S: simd(200),
  i64x2ExtendLowI32x4U: simd(201),
  i64x2ExtendHighI32x4U: simd(202),
  i64x2Shl: simd(203),
  i64x2ShrS: simd(204),
  i64x2ShrU: simd(205),
  i64x2Add: simd(206),
  i64x2Sub: simd(209),
  i64x2Mul: simd(213),
  i64x2ExtmulLowI32x4S: simd(220),
  i64x2ExtmulHighI32x4S: simd(221),
  i64x2ExtmulLowI32x4U: simd(222),
  i64x2ExtmulHighI32x4U: simd(223),
  // f32x4 arithmetic
  f32x4Ceil: simd(103),
  f32x4Floor: simd(104),
  f32x4Trunc: simd(105),
  f32x4Nearest: simd(106),
  f32x4Abs: simd(224),
  f32x4Neg: simd(225),
  f32x4Sqrt: simd(227),
  f32x4Add: simd(228),
  f32x4Sub: simd(229),
  f32x4Mul: simd(230),
  f32x4Div: simd(231),
  f32x4Min: simd(232),
  f32x4Max: simd(233),
  f32x4Pmin: simd(234),
  f32x4Pmax: simd(235),
  // f64x2 arithmetic
  f64x2Ceil: simd(116),
  f64x2Floor: simd(117),
  f64x2Trunc: simd(122),
  f64x2Nearest: simd(148),
  f64x2Abs: simd(236),
  f64x2Neg: simd(237),
  f64x2Sqrt: simd(239),
  f64x2Add: simd(240),
  f64x2Sub: simd(241),
  f64x2Mul: simd(242),
  f64x2Div: simd(243),
  f64x2Min: simd(244),
  f64x2Max: simd(245),
  f64x2Pmin: simd(246),
  f64x2Pmax: simd(247),
  // SIMD conversions
  i32x4TruncSatF32x4S: simd(248),
  i32x4TruncSatF32x4U: simd(249),
  f32x4ConvertI32x4S: simd(250),
  f32x4ConvertI32x4U: simd(251),
  i32x4TruncSatF64x2SZero: simd(252),
  i32x4TruncSatF64x2UZero: simd(253),
  f64x2ConvertLowI32x4S: simd(254),
  f64x2ConvertLowI32x4U: simd(255),
  f32x4DemoteF64x2Zero: simd(94),
  f64x2PromoteLowF32x4: simd(95),
  // Relaxed SIMD
  i8x16RelaxedSwizzle: simd(256),
  i32x4RelaxedTruncF32x4S: simd(257),
  i32x4RelaxedTruncF32x4U: simd(258),
  i32x4RelaxedTruncF64x2SZero: simd(259),
  i32x4RelaxedTruncF64x2UZero: simd(260),
  f32x4RelaxedMadd: simd(261),
  f32x4RelaxedNmadd: simd(262),
  f64x2RelaxedMadd: simd(263),
  f64x2RelaxedNmadd: simd(264),
  i8x16RelaxedLaneselect: simd(265),
  i16x8RelaxedLaneselect: simd(266),
  i32x4RelaxedLaneselect: simd(267),
  i64x2RelaxedLaneselect: simd(268),
  f32x4RelaxedMin: simd(269),
  f32x4RelaxedMax: simd(270),
  f64x2RelaxedMin: simd(271),
  f64x2RelaxedMax: simd(272),
  i16x8RelaxedQ15mulrS: simd(273),
  i16x8RelaxedDotI8x16I7x16S: simd(274),
  i32x4RelaxedDotI8x16I7x16AddS: simd(275),
});

/** The name of an instruction in {@link op}. */
export type Opcode = keyof typeof op;

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

/** A load's or store's immediate: the alignment hint (log2 of its bytes), then the constant byte offset. */
export const memarg = (alignLog2: number, offset = 0): number[] => [alignLog2, ...uleb(offset)];

/** `i32.const value`. */
export const i32 = (value: number): number[] => [...op.i32Const, ...sleb(value)];
/** `f32.const value`: the opcode, then the float's 4 bytes, little-endian. */
export const f32 = (value: number): number[] => [...op.f32Const, ...new Uint8Array(Float32Array.of(value).buffer)];

/** `v128.load` from the address on the stack, with an alignment hint of 1. */
export const V128_LOAD = [...op.v128Load, ...memarg(0)];
/** `v128.store` to the address on the stack, with an alignment hint of 1. */
export const V128_STORE = [...op.v128Store, ...memarg(0)];
/** `v128.load` with a 16-byte alignment hint and a constant byte offset. */
export const v128LoadAt = (offset: number): number[] => [...op.v128Load, ...memarg(4, offset)];
/** `v128.store` with a 16-byte alignment hint and a constant byte offset. */
export const v128StoreAt = (offset: number): number[] => [...op.v128Store, ...memarg(4, offset)];
/** `v128.load32_splat` (one float32 into all four lanes) from a constant byte offset. */
export const v128Load32SplatAt = (offset: number): number[] => [...op.v128Load32Splat, ...memarg(2, offset)];
/** `v128.const` of sixteen zero bytes. */
export const V128_ZERO = [...op.v128Const, ...new Array<number>(16).fill(0)];

/**
 * A loop that runs `body` until `exit` (code that pushes an i32) is true, testing it first:
 * `while (!exit) body`.
 */
export const whileNot = (exit: number[], body: number[]): number[] => [
  ...op.block,
  VOID,
  ...op.loop,
  VOID,
  ...exit,
  ...op.brIf,
  1,
  ...body,
  ...op.br,
  0,
  ...op.end,
  ...op.end,
];

/** One function of a module: its parameter types, its locals as `[count, type]` runs, its code. */
export interface AssembledFunction {
  exportName: string;
  params: number[];
  locals: Array<[number, number]>;
  body: number[];
}

/** `count` locals of one type under one name, told apart by an index: `fn.get('acc', 2)`. */
export interface LocalGroup {
  readonly type: ValueType;
  readonly count: number;
}

/** `count` locals of type `type` under one name (see {@link LocalGroup}). */
export const many = (type: ValueType, count: number): LocalGroup => ({ type, count });

/** A function's parameters and locals, by name, in order. */
export interface WasmFunctionSignature<P extends string, L extends string> {
  params: Record<P, ValueType>;
  locals?: Record<L, ValueType | LocalGroup>;
}

/**
 * A function being written, whose parameters and locals are read and written by name. The
 * members are plain functions (`const { get, set } = fn` works), and a `WasmFunction` of more
 * names passes for one of fewer (a helper takes `WasmFunction<'p' | 'q'>`). `element` picks one
 * local of a {@link LocalGroup}.
 */
export interface WasmFunction<Name extends string> {
  readonly exportName: string;
  /** The index of a parameter or local. */
  index: (name: Name, element?: number) => number;
  /** `local.get`. */
  get: (name: Name, element?: number) => number[];
  /** `local.set`. */
  set: (name: Name, element?: number) => number[];
  /** `local.tee`. */
  tee: (name: Name, element?: number) => number[];
  /** `local += amount` (i32), `amount` being the code that pushes it. */
  addTo: (name: Name, amount: number[]) => number[];
  /** `local -= 1` (i32). */
  decrement: (name: Name) => number[];
  /** Pushes the i32 `base + index` (two locals): a byte address inside a loop. */
  offsetBy: (base: Name, index: Name) => number[];
  /** The function with `body` as its code (the final `end` is added by the module). */
  assemble: (body: number[]) => AssembledFunction;
}

/**
 * Starts the function `exportName`: its parameters, then its locals, get indices in the order
 * written (names must be unique and not array indices, whose order objects do not keep), and
 * consecutive locals of one type are declared as one run.
 *
 * @example
 * <!-- runner: skip (an internal module of @vae/backends, not exported) -->
 * ```ts
 * const fn = wasmFunction('scale', { params: { p: I32, n: I32, s: F32 }, locals: { end: I32 } });
 * const { get, set } = fn;
 * const code = fn.assemble([...get('p'), ...get('n'), ...op.i32Add, ...set('end')]);
 * ```
 */
export function wasmFunction<P extends string, L extends string = never>(
  exportName: string,
  signature: WasmFunctionSignature<P, L>,
): WasmFunction<P | L> {
  const first = new Map<string, LocalGroup & { index: number }>();
  let next = 0;
  const declare = (name: string, type: ValueType | LocalGroup) => {
    const group = typeof type === 'number' ? { type, count: 1 } : type;
    if (first.has(name) || /^\d+$/.test(name) || !Number.isInteger(group.count) || group.count < 1) {
      throw new BackendError(
        `wasmFunction(${exportName}): the local '${name}' is declared twice, is an array index or has a count below 1. Give each parameter and local a unique name, and each group a count of at least 1.`,
        { backend: 'wasm' },
      );
    }
    first.set(name, { ...group, index: next });
    next += group.count;
  };
  const params = Object.entries<ValueType>(signature.params);
  for (const [name, type] of params) declare(name, type);
  const localEntries = Object.entries<ValueType | LocalGroup>(signature.locals ?? ({} as Record<L, ValueType>));
  for (const [name, type] of localEntries) declare(name, type);
  const runs: Array<[number, number]> = [];
  for (const [name] of localEntries) {
    const { type, count } = first.get(name)!;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === type) last[0] += count;
    else runs.push([count, type]);
  }

  const index = (name: P | L, element = 0): number => {
    const local = first.get(name);
    if (local === undefined || !Number.isInteger(element) || element < 0 || element >= local.count) {
      throw new BackendError(
        `wasmFunction(${exportName}): no local '${name}'${element === 0 ? '' : ` [${element}]`}. Declare it in params or locals (a group with many(type, count)).`,
        { backend: 'wasm' },
      );
    }
    return local.index + element;
  };
  const get = (name: P | L, element?: number) => [...op.localGet, ...uleb(index(name, element))];
  const set = (name: P | L, element?: number) => [...op.localSet, ...uleb(index(name, element))];
  const tee = (name: P | L, element?: number) => [...op.localTee, ...uleb(index(name, element))];
  return {
    exportName,
    index,
    get,
    set,
    tee,
    addTo: (name, amount) => [...get(name), ...amount, ...op.i32Add, ...set(name)],
    decrement: (name) => [...get(name), ...i32(1), ...op.i32Sub, ...set(name)],
    offsetBy: (base, at) => [...get(base), ...get(at), ...op.i32Add],
    assemble: (body) => ({
      exportName,
      params: params.map(([, type]) => type),
      locals: runs.map(([count, type]): [number, number] => [count, type]),
      body,
    }),
  };
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
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
    const body = [...locals, ...fn.body, ...op.end];
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

/** A module whose one function takes a v128 and drops it: valid wherever wasm SIMD is. */
const SIMD_PROBE = (() => {
  const fn = wasmFunction('probe', { params: { x: V128 } });
  return moduleBytes(fn.assemble([...fn.get('x'), ...op.drop]));
})();

/** A module of one function that uses `f32x4.relaxed_madd`: valid only where relaxed SIMD is on. */
export const RELAXED_SIMD_PROBE = (() => {
  const fn = wasmFunction('probe', { params: { a: V128, b: V128, c: V128 } });
  return moduleBytes(fn.assemble([...fn.get('a'), ...fn.get('b'), ...fn.get('c'), ...op.f32x4RelaxedMadd, ...op.drop]));
})();

/** A module with no functions that imports a shared memory: valid wherever wasm threads are. */
const SHARED_MEMORY_PROBE = assembleModule([], true);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether this engine compiles WebAssembly SIMD (128-bit vectors). */
export function simdAvailable(): boolean {
  return validates(SIMD_PROBE);
}

/** Whether this engine compiles WebAssembly relaxed SIMD (fused multiply-add) right now. */
export function relaxedSimdAvailable(): boolean {
  return validates(RELAXED_SIMD_PROBE);
}

/** What a module needs of the engine beyond SIMD, told to {@link perMemory}. */
export interface ModuleFeatures {
  /**
   * Whether the module uses relaxed SIMD instructions.
   * @defaultValue false
   */
  relaxedSimd?: boolean;
}

/**
 * Compiles `bytes`, the module `moduleName` we assembled: `null` where this engine lacks what it
 * needs (wasm SIMD, relaxed SIMD where `features` says it is used, shared memories for a module
 * that imports one), which callers take as "use the slower path".
 *
 * @throws `BackendError` when the engine has all of that and still rejects the module: the
 * assembler wrote an invalid module, a bug to report, not a reason to run slower.
 */
export function compileModule(
  moduleName: string,
  bytes: Uint8Array<ArrayBuffer>,
  sharedMemory: boolean,
  features: ModuleFeatures = {},
): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    return new WebAssembly.Module(bytes);
  } catch (error) {
    const unsupported =
      !simdAvailable() ||
      (features.relaxedSimd === true && !relaxedSimdAvailable()) ||
      (sharedMemory && !validates(SHARED_MEMORY_PROBE));
    if (unsupported) return null;
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackendError(
      `@vae/backends: the WebAssembly module ${moduleName}${sharedMemory ? ' (shared memory)' : ''} that the SIMD assembler wrote is invalid: ${reason}. This engine supports wasm SIMD${features.relaxedSimd === true ? ' and relaxed SIMD' : ''}, so this is a bug in @vae/backends (src/wasm): please report it with this message.`,
      { backend: 'wasm', cause: error },
    );
  }
}

/**
 * The function `exportName` of the module `build(sharedMemory)` makes (or what `exportName` picks
 * from its exports), bound to a wasm memory: instantiated once per memory, `null` where it cannot
 * run (no wasm SIMD in this engine, or a shared memory and a `build` that ignores the flag).
 * `moduleName` names the module in errors.
 *
 * @throws `BackendError` when the engine supports what the module needs and rejects it all the
 * same (see {@link compileModule}).
 */
export function perMemory<F>(
  moduleName: string,
  build: (sharedMemory: boolean) => Uint8Array<ArrayBuffer>,
  exportName: string | ((exports: WebAssembly.Exports) => F),
  features: ModuleFeatures = {},
): (memory: WebAssembly.Memory) => F | null {
  const cache = new WeakMap<WebAssembly.Memory, F | null>();
  return (memory) => {
    const known = cache.get(memory);
    if (known !== undefined) return known;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = compileModule(moduleName, build(shared), shared, features);
    let func: F | null = null;
    if (module !== null) {
      try {
        const instance = new WebAssembly.Instance(module, { env: { memory } });
        func = typeof exportName === 'string' ? (instance.exports[exportName] as F) : exportName(instance.exports);
      } catch (error) {
        // A module that imports an ordinary memory cannot link to a shared one (and the other way round).
        if (!(error instanceof WebAssembly.LinkError)) throw error;
      }
    }
    cache.set(memory, func);
    return func;
  };
}
