/**
 * Generates the WebAssembly SIMD module of the fused linear backward's prologue: dH from dY (times
 * the GELU slope, or times the layer scale) and the per-channel float64 sums of the bias (and
 * scale) gradients. Four channels per step (then one at a time for the last `channels mod 4`):
 * the product is an f32 multiply (the float64 product of two float32 values is exact, so this
 * rounds exactly as `Math.fround(a · b)`), and the sums are float64 accumulators per channel, each
 * channel adding its rows in row order (as the plain-JS loop does), so every sum has the same
 * bits. The scale gradient adds the exact float64 product dY·h.
 *
 * Exports: `mem`, `geluPrologue(d, slope, g, db, rows, rowBytes)`,
 * `scalePrologue(d, h, s, g, db, ds, rows, rowBytes)` and `biasSum(d, db, rows, rowBytes)`
 * (byte addresses; `rowBytes` = 4 · channels > 0; `rows` ≥ 1; db and ds hold one float64 per
 * channel and are added to).
 *
 * @module
 */
import { memarg, SIMD, simd, VAL, type WasmFunction, wasmModule } from "../matmul/wasm_emitter.ts";
import {
  add,
  addF64x2,
  and,
  assign,
  type Code,
  forRange,
  get,
  i32,
  inc,
  load,
  Locals,
  promoteHigh,
  promoteLow,
  repeat,
  store,
} from "../large_depthwise/wasm_asm.ts";
import { fmul } from "../gelu/simd_f64.ts";

/** Scalar opcodes used by the channel tail. */
const S = {
  f32Load: 0x2a,
  f64Load: 0x2b,
  f32Store: 0x38,
  f64Store: 0x39,
  f32Mul: 0x94,
  f64Add: 0xa0,
  f64Mul: 0xa2,
  f64PromoteF32: 0xbb,
} as const;

/** a · b in f32x4 (one rounding per lane). */
function mulF32x4(a: Code, b: Code): Code {
  return [...a, ...b, ...simd(SIMD.f32x4Mul)];
}

/** acc[addr], acc[addr + 16] (two f64x2) += the four lanes of `v` (promoted), lanes in order. */
function accumulate(addr: Code, lo: Code, hi: Code): Code {
  return [
    ...store(addr, addF64x2(load(addr), lo)),
    ...store(addr, addF64x2(load(addr, 16), hi), 16),
  ];
}

/** f32 at `addr`. */
function loadF32(addr: Code): Code {
  return [...addr, S.f32Load, ...memarg(2, 0)];
}
/** f32 `value` stored at `addr`. */
function storeF32(addr: Code, value: Code): Code {
  return [...addr, ...value, S.f32Store, ...memarg(2, 0)];
}
/** `v` (f32) as f64. */
function promote(v: Code): Code {
  return [...v, S.f64PromoteF32];
}
/** f64 at `addr` += `v` (f64). */
function accumulate1(addr: Code, v: Code): Code {
  return [
    ...addr,
    ...addr,
    S.f64Load,
    ...memarg(3, 0),
    ...v,
    S.f64Add,
    S.f64Store,
    ...memarg(3, 0),
  ];
}

/**
 * The row loop shared by the three functions: `vec(k, kk)` per 16-byte block of four channels,
 * then `one(k, kk)` per remaining channel (k: byte offset in the row, kk = 2k: in the f64 sums).
 */
function rows(
  L: Locals,
  count: number,
  rowBytes: number,
  pointers: number[],
  vec: (k: number, kk: number) => Code,
  one: (k: number, kk: number) => Code,
): Code {
  const k = L.i32();
  const kk = L.i32();
  const vecBytes = L.i32();
  const perRow = [
    ...forRange(k, i32(0), get(vecBytes), 16, [
      ...assign(kk, add(get(k), get(k))),
      ...vec(k, kk),
    ]),
    ...forRange(k, get(vecBytes), get(rowBytes), 4, [
      ...assign(kk, add(get(k), get(k))),
      ...one(k, kk),
    ]),
  ];
  const advance = pointers.flatMap((p) => inc(p, get(rowBytes)));
  return [
    ...assign(vecBytes, and(get(rowBytes), i32(-16))),
    ...repeat(count, [...perRow, ...advance]),
  ];
}

function geluPrologue(): WasmFunction {
  const [d, slope, g, db, count, rowBytes] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(6);
  const v = L.v128();
  const f = L.add(VAL.f32);
  const at = (p: number, k: number) => add(get(p), get(k));
  const body = rows(L, count, rowBytes, [d, slope, g], (k, kk) => [
    ...assign(v, mulF32x4(load(at(d, k)), load(at(slope, k)))),
    ...store(at(g, k), get(v)),
    ...accumulate(at(db, kk), promoteLow(get(v)), promoteHigh(get(v))),
  ], (k, kk) => [
    ...assign(f, [...loadF32(at(d, k)), ...loadF32(at(slope, k)), S.f32Mul]),
    ...storeF32(at(g, k), get(f)),
    ...accumulate1(at(db, kk), promote(get(f))),
  ]);
  return {
    name: "geluPrologue",
    params: Array(6).fill(VAL.i32),
    results: [],
    locals: L.types,
    body,
  };
}

function scalePrologue(): WasmFunction {
  const [d, h, s, g, db, ds, count, rowBytes] = [0, 1, 2, 3, 4, 5, 6, 7];
  const L = new Locals(8);
  const dv = L.v128();
  const hv = L.v128();
  const v = L.v128();
  const df = L.add(VAL.f32);
  const f = L.add(VAL.f32);
  const at = (p: number, k: number) => add(get(p), get(k));
  const body = rows(L, count, rowBytes, [d, h, g], (k, kk) => [
    ...assign(dv, load(at(d, k))),
    ...assign(hv, load(at(h, k))),
    ...accumulate(
      at(ds, kk),
      fmul(promoteLow(get(dv)), promoteLow(get(hv))),
      fmul(promoteHigh(get(dv)), promoteHigh(get(hv))),
    ),
    ...assign(v, mulF32x4(get(dv), load(at(s, k)))),
    ...store(at(g, k), get(v)),
    ...accumulate(at(db, kk), promoteLow(get(v)), promoteHigh(get(v))),
  ], (k, kk) => [
    ...assign(df, loadF32(at(d, k))),
    ...accumulate1(at(ds, kk), [...promote(get(df)), ...promote(loadF32(at(h, k))), S.f64Mul]),
    ...assign(f, [...get(df), ...loadF32(at(s, k)), S.f32Mul]),
    ...storeF32(at(g, k), get(f)),
    ...accumulate1(at(db, kk), promote(get(f))),
  ]);
  return {
    name: "scalePrologue",
    params: Array(8).fill(VAL.i32),
    results: [],
    locals: L.types,
    body,
  };
}

function biasSum(): WasmFunction {
  const [d, db, count, rowBytes] = [0, 1, 2, 3];
  const L = new Locals(4);
  const v = L.v128();
  const at = (p: number, k: number) => add(get(p), get(k));
  const body = rows(L, count, rowBytes, [d], (k, kk) => [
    ...assign(v, load(at(d, k))),
    ...accumulate(at(db, kk), promoteLow(get(v)), promoteHigh(get(v))),
  ], (k, kk) => accumulate1(at(db, kk), promote(loadF32(at(d, k)))));
  return { name: "biasSum", params: Array(4).fill(VAL.i32), results: [], locals: L.types, body };
}

/** Bytes of the prologue module (its own growable memory, one page to start). */
export function gradPrologueModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule([geluPrologue(), scalePrologue(), biasSum()], 1);
}
