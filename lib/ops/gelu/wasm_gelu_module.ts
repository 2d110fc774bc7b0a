/**
 * Generates the WebAssembly SIMD module of GELU and its derivative (formula in gelu_math.ts):
 * four float32 values per step, loaded as one f32x4, computed as two f64x2 halves and rounded
 * back to one f32x4. exp(−x²/2) is a range reduction (round(a·log₂e) by the 1.5·2⁵² trick, the
 * power of two added to the exponent bits with i64x2 integer ops) and a Taylor
 * polynomial on |r| ≤ ln2/2 (degree 7).
 *
 * Exports: `mem`, `gelu(src, dst, count)`, `geluGrad(x, dy, dst, count)` and
 * `geluTrain(src, dst, slope, count)` (GELU and GELU′ in one pass; byte addresses, count a
 * multiple of 4).
 *
 * @module
 */
import { VAL, type WasmFunction, wasmModule } from "../matmul/wasm_emitter.ts";
import {
  assign,
  type Code,
  demotePair,
  get,
  i32,
  inc,
  load,
  Locals,
  promoteHigh,
  promoteLow,
  repeat,
  shrU,
  store,
  when,
} from "../large_depthwise/wasm_asm.ts";
import {
  bitselect,
  f64x2,
  fabs,
  fadd,
  fdiv,
  fge,
  flt,
  fmul,
  fsub,
  horner,
  iadd,
  ishl,
  vand,
} from "./simd_f64.ts";
import { ERFCX_T_COEFFS, GELU_TAIL, INV_SQRT_2PI, T_SCALE } from "./gelu_math.ts";

/** 1.5·2⁵²: adding it rounds a float64 of magnitude < 2⁵¹ to an integer in the low bits. */
const MAGIC = 6755399441055744;
/** Taylor coefficients of exp, 1/k! for k = 0..7 (relative error < 1e-8 on |r| ≤ ln2/2). */
const EXP_COEFFS = Array.from({ length: 8 }, (_, k) => {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return 1 / f;
});

/** Locals of the f64x2 computation of one half. */
interface HalfLocals {
  x: number;
  ax: number;
  n: number;
  r: number;
  gauss: number;
  t: number;
  cdf: number;
}

function halfLocals(L: Locals): HalfLocals {
  return {
    x: L.v128(),
    ax: L.v128(),
    n: L.v128(),
    r: L.v128(),
    gauss: L.v128(),
    t: L.v128(),
    cdf: L.v128(),
  };
}

/** Sets `gauss` = exp(−x²/2) (0 past the tail) and `cdf` = Φ(x) for the f64x2 in local `x`. */
function cdfAndGauss(h: HalfLocals): Code {
  const a = fmul(fmul(get(h.ax), get(h.ax)), f64x2(-0.5));
  const tail = fmul(
    fmul(get(h.gauss), f64x2(0.5)),
    fmul(get(h.t), horner(get(h.t), ERFCX_T_COEFFS)),
  );
  return [
    ...assign(h.ax, fabs(get(h.x))),
    ...assign(h.n, fadd(fmul(a, f64x2(Math.LOG2E)), f64x2(MAGIC))),
    ...assign(h.r, fsub(a, fmul(fsub(get(h.n), f64x2(MAGIC)), f64x2(Math.LN2)))),
    ...assign(h.gauss, iadd(horner(get(h.r), EXP_COEFFS), ishl(get(h.n), 52))),
    ...assign(h.gauss, vand(get(h.gauss), flt(get(h.ax), f64x2(GELU_TAIL)))),
    ...assign(h.t, fdiv(f64x2(1), fadd(f64x2(1), fmul(get(h.ax), f64x2(T_SCALE))))),
    ...assign(h.cdf, tail),
    ...assign(
      h.cdf,
      bitselect(fsub(f64x2(1), get(h.cdf)), get(h.cdf), fge(get(h.x), f64x2(0))),
    ),
  ];
}

/** x·Φ(x) */
function geluValue(h: HalfLocals): Code {
  return fmul(get(h.x), get(h.cdf));
}

/** Φ(x) + x·exp(−x²/2)/√(2π) */
function geluSlope(h: HalfLocals): Code {
  return fadd(get(h.cdf), fmul(get(h.x), fmul(get(h.gauss), f64x2(INV_SQRT_2PI))));
}

/** The loop over `count / 4` vectors with pointers advanced by 16 bytes each. */
function vectorLoop(count: number, left: number, pointers: number[], body: Code): Code {
  return [
    ...assign(left, shrU(get(count), i32(2))),
    ...when(get(left), repeat(left, [...body, ...pointers.flatMap((p) => inc(p, i32(16)))])),
  ];
}

function geluFunction(): WasmFunction {
  const [src, dst, count] = [0, 1, 2];
  const L = new Locals(3);
  const left = L.i32();
  const v = L.v128();
  const lo = halfLocals(L);
  const hi = halfLocals(L);
  const body: Code = [
    ...assign(v, load(get(src))),
    ...assign(lo.x, promoteLow(get(v))),
    ...assign(hi.x, promoteHigh(get(v))),
    ...cdfAndGauss(lo),
    ...cdfAndGauss(hi),
    ...store(get(dst), demotePair(geluValue(lo), geluValue(hi))),
  ];
  return {
    name: "gelu",
    params: [VAL.i32, VAL.i32, VAL.i32],
    results: [],
    locals: L.types,
    body: vectorLoop(count, left, [src, dst], body),
  };
}

function geluGradFunction(): WasmFunction {
  const [x, dy, dst, count] = [0, 1, 2, 3];
  const L = new Locals(4);
  const left = L.i32();
  const v = L.v128();
  const g = L.v128();
  const lo = halfLocals(L);
  const hi = halfLocals(L);
  const body: Code = [
    ...assign(v, load(get(x))),
    ...assign(g, load(get(dy))),
    ...assign(lo.x, promoteLow(get(v))),
    ...assign(hi.x, promoteHigh(get(v))),
    ...cdfAndGauss(lo),
    ...cdfAndGauss(hi),
    ...store(
      get(dst),
      demotePair(
        fmul(promoteLow(get(g)), geluSlope(lo)),
        fmul(promoteHigh(get(g)), geluSlope(hi)),
      ),
    ),
  ];
  return {
    name: "geluGrad",
    params: [VAL.i32, VAL.i32, VAL.i32, VAL.i32],
    results: [],
    locals: L.types,
    body: vectorLoop(count, left, [x, dy, dst], body),
  };
}

/** GELU(x) to `dst` and GELU′(x) to `slope` in one pass (the training forward). */
function geluTrainFunction(): WasmFunction {
  const [src, dst, slope, count] = [0, 1, 2, 3];
  const L = new Locals(4);
  const left = L.i32();
  const v = L.v128();
  const lo = halfLocals(L);
  const hi = halfLocals(L);
  const body: Code = [
    ...assign(v, load(get(src))),
    ...assign(lo.x, promoteLow(get(v))),
    ...assign(hi.x, promoteHigh(get(v))),
    ...cdfAndGauss(lo),
    ...cdfAndGauss(hi),
    ...store(get(dst), demotePair(geluValue(lo), geluValue(hi))),
    ...store(get(slope), demotePair(geluSlope(lo), geluSlope(hi))),
  ];
  return {
    name: "geluTrain",
    params: [VAL.i32, VAL.i32, VAL.i32, VAL.i32],
    results: [],
    locals: L.types,
    body: vectorLoop(count, left, [src, dst, slope], body),
  };
}

/** Bytes of the GELU module. */
export function geluModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule([geluFunction(), geluGradFunction(), geluTrainFunction()], 1);
}
