/**
 * Instruction helpers for hand-assembling the depthwise WebAssembly module: each helper returns
 * the bytes of a short instruction sequence (stack machine order), so function bodies read as
 * structured code. Module framing (sections, LEB128, memory) comes from the matmul emitter
 * (../matmul/wasm_emitter.ts); this file adds the integer, control-flow and SIMD opcodes that the
 * depthwise kernels need beyond it.
 *
 * @module
 */
import { memarg, OP, SIMD, simd, sleb, uleb, VAL } from "../matmul/wasm_emitter.ts";

/** A sequence of instruction bytes. */
export type Code = number[];

/** Opcodes not in the matmul emitter's tables. */
const I32 = {
  ltS: 0x48,
  gtS: 0x4a,
  geS: 0x4e,
  and: 0x71,
  divU: 0x6e,
  remU: 0x70,
  shrU: 0x76,
  select: 0x1b,
  f32Store: 0x38,
} as const;

/** SIMD opcodes (after the 0xfd prefix) not in the matmul emitter's table. */
const V = {
  shuffle: 0x0d,
  i32x4Splat: 0x11,
  f32x4ExtractLane: 0x1f,
  i32x4GtS: 0x3b,
  and: 0x4e,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLow: 0x5f,
  f64x2Add: 0xf0,
} as const;

/** Builder of one function's locals: parameters first, then typed locals on demand. */
export class Locals {
  /** Value types of the locals added so far (the function's local declarations). */
  readonly types: number[] = [];
  /** Locals of a function with `nParams` parameters (they take indices 0..nParams−1). */
  constructor(private readonly nParams: number) {}
  /** A new local of the given value type; returns its index. */
  add(type: number): number {
    this.types.push(type);
    return this.nParams + this.types.length - 1;
  }
  /** A new i32 local. */
  i32(): number {
    return this.add(VAL.i32);
  }
  /** New i32 locals, one per name. */
  i32s<K extends string>(names: readonly K[]): Record<K, number> {
    return Object.fromEntries(names.map((k) => [k, this.i32()])) as Record<K, number>;
  }
  /** A new v128 local. */
  v128(): number {
    return this.add(VAL.v128);
  }
}

/** local.get */
export function get(i: number): Code {
  return [OP.localGet, ...uleb(i)];
}
/** local.set */
export function set(i: number): Code {
  return [OP.localSet, ...uleb(i)];
}
/** i32.const */
export function i32(v: number): Code {
  return [OP.i32Const, ...sleb(v)];
}
/** a + b (i32) */
export function add(a: Code, b: Code): Code {
  return [...a, ...b, OP.i32Add];
}
/** a − b (i32) */
export function sub(a: Code, b: Code): Code {
  return [...a, ...b, OP.i32Sub];
}
/** a · b (i32) */
export function mul(a: Code, b: Code): Code {
  return [...a, ...b, OP.i32Mul];
}
/** a / b (unsigned i32) */
export function divU(a: Code, b: Code): Code {
  return [...a, ...b, I32.divU];
}
/** a mod b (unsigned i32) */
export function remU(a: Code, b: Code): Code {
  return [...a, ...b, I32.remU];
}
/** a & b (i32) */
export function and(a: Code, b: Code): Code {
  return [...a, ...b, I32.and];
}
/** a >>> b (i32) */
export function shrU(a: Code, b: Code): Code {
  return [...a, ...b, I32.shrU];
}
/** a > b (signed) */
export function gt(a: Code, b: Code): Code {
  return [...a, ...b, I32.gtS];
}
/** a ≠ b */
export function ne(a: Code, b: Code): Code {
  return [...a, ...b, OP.i32Ne];
}
/** max(a, b), signed; a and b are evaluated twice (pass local reads or constants). */
export function max(a: Code, b: Code): Code {
  return [...a, ...b, ...a, ...b, I32.gtS, I32.select];
}
/** min(a, b), signed; a and b are evaluated twice. */
export function min(a: Code, b: Code): Code {
  return [...a, ...b, ...a, ...b, I32.ltS, I32.select];
}
/** local[i] = v */
export function assign(i: number, v: Code): Code {
  return [...v, ...set(i)];
}
/** local[i] += v (i32) */
export function inc(i: number, v: Code): Code {
  return assign(i, add(get(i), v));
}

/** if (cond) { then } */
export function when(cond: Code, then: Code): Code {
  return [...cond, OP.if, OP.blockVoid, ...then, OP.end];
}
/** if (cond) { then } else { otherwise } */
export function ifElse(cond: Code, then: Code, otherwise: Code): Code {
  return [...cond, OP.if, OP.blockVoid, ...then, OP.else, ...otherwise, OP.end];
}

/**
 * for (i = from; i < to; i += step) { body } — `to` is evaluated before the first and after each
 * iteration (pass a local read or a constant). The body must not branch out of the loop.
 */
export function forRange(i: number, from: Code, to: Code, step: number, body: Code): Code {
  return [
    ...assign(i, from),
    OP.block,
    OP.blockVoid,
    ...get(i),
    ...to,
    I32.geS,
    OP.brIf,
    0,
    OP.loop,
    OP.blockVoid,
    ...body,
    ...inc(i, i32(step)),
    ...get(i),
    ...to,
    I32.ltS,
    OP.brIf,
    0,
    OP.end,
    OP.end,
  ];
}

/** do { body } while (--counter != 0): runs `counter` (≥ 1) times, counting the local down. */
export function repeat(counter: number, body: Code): Code {
  return [
    OP.loop,
    OP.blockVoid,
    ...body,
    ...get(counter),
    ...i32(1),
    OP.i32Sub,
    OP.localTee,
    ...uleb(counter),
    OP.brIf,
    0,
    OP.end,
  ];
}

/**
 * block { loop { body } }: `body` leaves with {@link exitIfZero} (depth 1 inside the loop) and
 * repeats with {@link again}.
 */
export function blockLoop(body: Code): Code {
  return [OP.block, OP.blockVoid, OP.loop, OP.blockVoid, ...body, OP.end, OP.end];
}
/** --counter; leave the enclosing {@link blockLoop} when it reaches 0 (use at loop depth). */
export function exitIfZero(counter: number): Code {
  return [
    ...get(counter),
    ...i32(1),
    OP.i32Sub,
    OP.localTee,
    ...uleb(counter),
    OP.i32Eqz,
    OP.brIf,
    1,
  ];
}
/** Branch back to the start of the enclosing {@link blockLoop}'s loop (use at loop depth). */
export function again(): Code {
  return [0x0c, 0];
}

/** v128.load from address `addr` + constant byte offset. */
export function load(addr: Code, offset = 0): Code {
  return [...addr, ...simd(SIMD.v128Load, ...memarg(4, offset))];
}
/** v128.store of `value` at address `addr` + constant byte offset. */
export function store(addr: Code, value: Code, offset = 0): Code {
  return [...addr, ...value, ...simd(SIMD.v128Store, ...memarg(4, offset))];
}
/** f32.store of lane `lane` of the v128 `value` at `addr` + offset. */
export function storeLane(addr: Code, value: Code, lane: number, offset = 0): Code {
  return [...addr, ...value, ...simd(V.f32x4ExtractLane, lane), I32.f32Store, ...memarg(2, offset)];
}
/** The all-zero v128. */
export function zero128(): Code {
  return simd(SIMD.v128Const, ...Array<number>(16).fill(0));
}
/** Lane mask: lane l is all ones when l < `lanes` (an i32), else zero. */
export function laneMask(lanes: Code): Code {
  const iota = [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0];
  return [...lanes, ...simd(V.i32x4Splat), ...simd(SIMD.v128Const, ...iota), ...simd(V.i32x4GtS)];
}
/** a & b (v128) */
export function and128(a: Code, b: Code): Code {
  return [...a, ...b, ...simd(V.and)];
}
/** a + b (f32x4) */
export function addF32x4(a: Code, b: Code): Code {
  return [...a, ...b, ...simd(SIMD.f32x4Add)];
}
/** a + b (f64x2) */
export function addF64x2(a: Code, b: Code): Code {
  return [...a, ...b, ...simd(V.f64x2Add)];
}
/** The two low f32 lanes of `v` as f64x2. */
export function promoteLow(v: Code): Code {
  return [...v, ...simd(V.f64x2PromoteLow)];
}
/** The two high f32 lanes of `v` as f64x2. */
export function promoteHigh(v: Code): Code {
  const hi = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
  return [...v, ...v, ...simd(V.shuffle, ...hi), ...simd(V.f64x2PromoteLow)];
}
/** The four f64 lanes of `lo` and `hi` rounded to one f32x4 [lo0, lo1, hi0, hi1]. */
export function demotePair(lo: Code, hi: Code): Code {
  const lanes = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  return [
    ...lo,
    ...simd(V.f32x4DemoteF64x2Zero),
    ...hi,
    ...simd(V.f32x4DemoteF64x2Zero),
    ...simd(V.shuffle, ...lanes),
  ];
}
/**
 * acc + a·b in f32x4: one rounding (relaxed-simd fused multiply-add) when `fma`, else a
 * multiply then an add (two roundings).
 */
export function madd(a: Code, b: Code, acc: Code, fma: boolean): Code {
  if (fma) return [...a, ...b, ...acc, ...simd(SIMD.f32x4RelaxedMadd)];
  return [...acc, ...a, ...b, ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add)];
}
/** memory.fill(dst, 0, bytes) */
export function fillZero(dst: Code, bytes: Code): Code {
  return [...dst, ...i32(0), ...bytes, 0xfc, 0x0b, 0x00];
}
