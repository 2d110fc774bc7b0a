/**
 * f64x2 and i64x2 instruction helpers for hand-assembled WebAssembly (stack machine order, as
 * ../large_depthwise/wasm_asm.ts): the float64 lanes the GELU kernel computes in.
 *
 * @module
 */
import { SIMD, simd } from "../matmul/wasm_emitter.ts";
import { type Code, i32 } from "../large_depthwise/wasm_asm.ts";

/** SIMD opcodes (after the 0xfd prefix) used here. */
const V = {
  f64x2Ge: 0x4c,
  f64x2Lt: 0x49,
  and: 0x4e,
  bitselect: 0x52,
  i64x2Shl: 0xcb,
  i64x2Add: 0xce,
  f64x2Abs: 0xec,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
} as const;

/** v128.const holding `v` in both float64 lanes. */
export function f64x2(v: number): Code {
  const bytes = new Uint8Array(new Float64Array([v, v]).buffer);
  return simd(SIMD.v128Const, ...bytes);
}

function binary(op: number) {
  return (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
}

/** a + b (f64x2) */
export const fadd = binary(V.f64x2Add);
/** a − b (f64x2) */
export const fsub = binary(V.f64x2Sub);
/** a · b (f64x2) */
export const fmul = binary(V.f64x2Mul);
/** a / b (f64x2) */
export const fdiv = binary(V.f64x2Div);
/** Lane mask a ≥ b (f64x2). */
export const fge = binary(V.f64x2Ge);
/** Lane mask a < b (f64x2). */
export const flt = binary(V.f64x2Lt);
/** a & b (v128) */
export const vand = binary(V.and);
/** a + b (i64x2, wrapping) */
export const iadd = binary(V.i64x2Add);

/** |a| (f64x2) */
export function fabs(a: Code): Code {
  return [...a, ...simd(V.f64x2Abs)];
}
/** Each i64 lane of `a` shifted left by the constant `bits`. */
export function ishl(a: Code, bits: number): Code {
  return [...a, ...i32(bits), ...simd(V.i64x2Shl)];
}
/** Bits of `a` where `mask` is 1, of `b` where it is 0. */
export function bitselect(a: Code, b: Code, mask: Code): Code {
  return [...a, ...b, ...mask, ...simd(V.bitselect)];
}
/** c[0] + c[1]·x + … by Horner's rule; `x` is evaluated once per coefficient (pass a local). */
export function horner(x: Code, coeffs: readonly number[]): Code {
  let acc = f64x2(coeffs[coeffs.length - 1]!);
  for (let i = coeffs.length - 2; i >= 0; i--) acc = fadd(fmul(acc, x), f64x2(coeffs[i]!));
  return acc;
}
