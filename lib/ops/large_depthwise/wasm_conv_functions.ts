/**
 * The compute functions of the depthwise WebAssembly module (plane layout: see
 * wasm_depthwise_module.ts).
 *
 * - `conv(x, f, y, p0, p1, G, lenA, lenB, kA, kB, pA, pB)`: y planes p0..p1−1 of the stride-1
 *   'same' depthwise conv of the x planes with the filter planes f [G][kB][kA][4V]. A tile is R
 *   consecutive outputs along A with R·V f32x4 accumulators; per kernel row the taps slide a
 *   window of R input blocks held in registers (one new input load and one filter load per R·V
 *   multiply-adds). Taps are clipped to the image per output line (B) and per tile (A; the few
 *   extra taps at a tile's edge read the zero line padding and add exact zeros). Every output sums
 *   its taps in one fixed order, kernel row then tap along A, whatever the tile.
 * - `dw(x, dy, out, g0, g1, nImg, G, lenA, lenB, kA, kB, pA, pB)`: filter gradient of groups
 *   g0..g1−1 added into float64 sums `out` [G][kB][kAp][4V] (kAp = kA rounded up to R). A tile is
 *   R consecutive taps along A; the sum over one image's output positions (line by line, position
 *   by position) runs in f32x4 registers with the same sliding window over x, then is promoted
 *   and added to the float64 sums image by image: a fixed order.
 *
 * @module
 */
import type { WasmFunction } from "../matmul/wasm_emitter.ts";
import {
  add,
  addF64x2,
  again,
  assign,
  blockLoop,
  type Code,
  divU,
  exitIfZero,
  forRange,
  get,
  gt,
  i32,
  inc,
  load,
  Locals,
  madd,
  max,
  min,
  mul,
  promoteHigh,
  promoteLow,
  remU,
  repeat,
  store,
  sub,
  when,
  zero128,
} from "./wasm_asm.ts";
import { i32Function } from "./wasm_layout_functions.ts";

/** Register tile of the compute functions. */
export interface DepthwiseTile {
  /** Outputs (conv) or taps (dw) along the long axis per tile; the line padding is R − 1. */
  r: number;
  /** f32x4 vectors per pixel block (4·v channels). */
  v: number;
  /** Use relaxed-simd fused multiply-add (else multiply then add). */
  fma: boolean;
}

/** Zero pixels at each end of a plane line: tile reads reach R − 1 pixels past the image. */
export function linePad(tile: Pick<DepthwiseTile, "r">): number {
  return tile.r - 1;
}

function params<K extends string>(names: readonly K[]): Record<K, number> {
  return Object.fromEntries(names.map((s, i) => [s, i])) as Record<K, number>;
}

/**
 * The inner loop with a sliding window: registers win[k·V+v] hold the input pixel block
 * p1 + (s + ((k − s) mod R))·pb at step s, so step s reads block s + j from win[((s + j) mod R)]
 * and, unless it was the last step, replaces block s (no longer needed) with block s + R. The
 * body is unrolled R times so the roles rotate without register moves; each step may exit.
 */
function windowLoop(
  t: DepthwiseTile,
  L: Locals,
  p1: number,
  p2: number,
  count: number,
  accs: number[],
): Code {
  const pb = 16 * t.v;
  const sv: number[] = [];
  const win: number[] = [];
  for (let v = 0; v < t.v; v++) sv.push(L.v128());
  for (let k = 0; k < t.r * t.v; k++) win.push(L.v128());
  const prologue: Code = [];
  for (let j = 0; j < t.r; j++) {
    for (let v = 0; v < t.v; v++) {
      prologue.push(...assign(win[j * t.v + v]!, load(get(p1), pb * j + 16 * v)));
    }
  }
  const body: Code = [];
  for (let s = 0; s < t.r; s++) {
    for (let v = 0; v < t.v; v++) body.push(...assign(sv[v]!, load(get(p2), pb * s + 16 * v)));
    for (let j = 0; j < t.r; j++) {
      for (let v = 0; v < t.v; v++) {
        const a = accs[j * t.v + v]!;
        const x = win[((s + j) % t.r) * t.v + v]!;
        body.push(...assign(a, madd(get(x), get(sv[v]!), get(a), t.fma)));
      }
    }
    body.push(...exitIfZero(count));
    for (let v = 0; v < t.v; v++) {
      body.push(...assign(win[s * t.v + v]!, load(get(p1), pb * (s + t.r) + 16 * v)));
    }
  }
  body.push(...inc(p1, i32(pb * t.r)), ...inc(p2, i32(pb * t.r)), ...again());
  return [...prologue, ...blockLoop(body)];
}

/**
 * Parameters of `conv`: x, filter and y planes; planes p0..p1−1 (plane = image·G + group); G
 * groups; line lengths and kernel sizes / paddings along A and B.
 */
export const CONV_PARAMS = [
  "x",
  "f",
  "y",
  "p0",
  "p1",
  "G",
  "lenA",
  "lenB",
  "kA",
  "kB",
  "pA",
  "pB",
] as const;

/** `conv`: forward (and, with a rotated filter, data-gradient) pass over a range of planes. */
export function convFunction(t: DepthwiseTile): WasmFunction {
  const P = params(CONV_PARAMS);
  const L = new Locals(CONV_PARAMS.length);
  const { rowBytes, planeBytes, fPlaneBytes, fRowBytes, pl, xPl, yPl, fPl } = L.i32s([
    "rowBytes",
    "planeBytes",
    "fPlaneBytes",
    "fRowBytes",
    "pl",
    "xPl",
    "yPl",
    "fPl",
  ]);
  const { bOut, fb0, fbCount, xRow0, wRow0, yRow, o0, tLo, nT, xr, wr, fbLeft, p1, p2, cnt } = L
    .i32s([
      "bOut",
      "fb0",
      "fbCount",
      "xRow0",
      "wRow0",
      "yRow",
      "o0",
      "tLo",
      "nT",
      "xr",
      "wr",
      "fbLeft",
      "p1",
      "p2",
      "cnt",
    ]);
  const pad = linePad(t);
  const pb = 16 * t.v;
  const accs: number[] = [];
  for (let x = 0; x < t.r * t.v; x++) accs.push(L.v128());
  const inner = windowLoop(t, L, p1, p2, cnt, accs);

  const zeroAccs: Code = accs.flatMap((a) => assign(a, zero128()));
  const storeAccs: Code = [];
  for (let j = 0; j < t.r; j++) {
    for (let v = 0; v < t.v; v++) {
      storeAccs.push(...store(get(p1), get(accs[j * t.v + v]!), pb * j + 16 * v));
    }
  }
  const tile: Code = [
    // tLo = max(0, pA − o0 − (R−1)); nT = min(kA, lenA + pA − o0) − tLo
    ...assign(tLo, max(i32(0), sub(sub(get(P.pA), get(o0)), i32(t.r - 1)))),
    ...assign(nT, sub(min(get(P.kA), sub(add(get(P.lenA), get(P.pA)), get(o0))), get(tLo))),
    ...zeroAccs,
    ...assign(xr, add(get(xRow0), mul(add(get(o0), get(tLo)), i32(pb)))),
    ...assign(wr, add(get(wRow0), mul(get(tLo), i32(pb)))),
    ...assign(fbLeft, get(fbCount)),
    ...repeat(fbLeft, [
      ...assign(p1, get(xr)),
      ...assign(p2, get(wr)),
      ...assign(cnt, get(nT)),
      ...inner,
      ...inc(xr, get(rowBytes)),
      ...inc(wr, get(fRowBytes)),
    ]),
    ...assign(p1, add(get(yRow), mul(get(o0), i32(pb)))),
    ...storeAccs,
  ];
  const line: Code = [
    // kernel rows that land in the image: fb0 = max(0, pB − bOut) .. min(kB, lenB + pB − bOut)
    ...assign(fb0, max(i32(0), sub(get(P.pB), get(bOut)))),
    ...assign(
      fbCount,
      sub(min(get(P.kB), sub(add(get(P.lenB), get(P.pB)), get(bOut))), get(fb0)),
    ),
    ...assign(
      xRow0,
      add(
        get(xPl),
        add(
          mul(sub(add(get(bOut), get(fb0)), get(P.pB)), get(rowBytes)),
          mul(sub(i32(pad), get(P.pA)), i32(pb)),
        ),
      ),
    ),
    ...assign(wRow0, add(get(fPl), mul(get(fb0), get(fRowBytes)))),
    ...assign(yRow, add(add(get(yPl), mul(get(bOut), get(rowBytes))), i32(pad * pb))),
    ...forRange(o0, i32(0), get(P.lenA), t.r, tile),
  ];
  const body: Code = [
    ...assign(rowBytes, mul(add(get(P.lenA), i32(2 * pad)), i32(pb))),
    ...assign(planeBytes, mul(get(P.lenB), get(rowBytes))),
    ...assign(fRowBytes, mul(get(P.kA), i32(pb))),
    ...assign(fPlaneBytes, mul(get(P.kB), get(fRowBytes))),
    ...forRange(pl, get(P.p0), get(P.p1), 1, [
      ...assign(xPl, add(get(P.x), mul(get(pl), get(planeBytes)))),
      ...assign(yPl, add(get(P.y), mul(get(pl), get(planeBytes)))),
      ...assign(fPl, add(get(P.f), mul(remU(get(pl), get(P.G)), get(fPlaneBytes)))),
      ...forRange(bOut, i32(0), get(P.lenB), 1, line),
    ]),
  ];
  return i32Function("conv", CONV_PARAMS, L, body);
}

/**
 * Parameters of `dw`: x and dy planes, float64 sums `out`; groups g0..g1−1 of G; nImg images;
 * line lengths and kernel sizes / paddings along A and B.
 */
export const DW_PARAMS = [
  "x",
  "dy",
  "out",
  "g0",
  "g1",
  "nImg",
  "G",
  "lenA",
  "lenB",
  "kA",
  "kB",
  "pA",
  "pB",
] as const;

/** `dw`: filter gradient for a range of channel groups, added into float64 sums. */
export function dwFunction(t: DepthwiseTile): WasmFunction {
  const P = params(DW_PARAMS);
  const L = new Locals(DW_PARAMS.length);
  const { rowBytes, planeBytes, kAp, gOut, g, n, xPl, dPl, fb, bLo, rows, t0, oLo, nO } = L.i32s([
    "rowBytes",
    "planeBytes",
    "kAp",
    "gOut",
    "g",
    "n",
    "xPl",
    "dPl",
    "fb",
    "bLo",
    "rows",
    "t0",
    "oLo",
    "nO",
  ]);
  const { xr, dr, rowsLeft, p1, p2, cnt, ob } = L.i32s([
    "xr",
    "dr",
    "rowsLeft",
    "p1",
    "p2",
    "cnt",
    "ob",
  ]);
  const pad = linePad(t);
  const pb = 16 * t.v;
  const tapBytes = 32 * t.v; // 4V float64 per tap
  const accs: number[] = [];
  for (let x = 0; x < t.r * t.v; x++) accs.push(L.v128());
  const inner = windowLoop(t, L, p1, p2, cnt, accs);
  const flush: Code = [];
  for (let j = 0; j < t.r; j++) {
    for (let v = 0; v < t.v; v++) {
      const a = accs[j * t.v + v]!;
      const off = tapBytes * j + 32 * v;
      flush.push(
        ...store(get(ob), addF64x2(load(get(ob), off), promoteLow(get(a))), off),
        ...store(get(ob), addF64x2(load(get(ob), off + 16), promoteHigh(get(a))), off + 16),
      );
    }
  }
  const tapTile: Code = [
    // outputs whose R taps reach the image: max(0, pA − t0 − (R−1)) .. min(lenA, lenA + pA − t0)
    ...assign(oLo, max(i32(0), sub(sub(get(P.pA), get(t0)), i32(t.r - 1)))),
    ...assign(nO, sub(min(get(P.lenA), sub(add(get(P.lenA), get(P.pA)), get(t0))), get(oLo))),
    ...when(gt(get(nO), i32(0)), [
      ...accs.flatMap((a) => assign(a, zero128())),
      ...assign(
        xr,
        add(
          add(get(xPl), mul(sub(add(get(bLo), get(fb)), get(P.pB)), get(rowBytes))),
          mul(add(i32(pad), sub(add(get(oLo), get(t0)), get(P.pA))), i32(pb)),
        ),
      ),
      ...assign(
        dr,
        add(add(get(dPl), mul(get(bLo), get(rowBytes))), mul(add(get(oLo), i32(pad)), i32(pb))),
      ),
      ...assign(rowsLeft, get(rows)),
      ...repeat(rowsLeft, [
        ...assign(p1, get(xr)),
        ...assign(p2, get(dr)),
        ...assign(cnt, get(nO)),
        ...inner,
        ...inc(xr, get(rowBytes)),
        ...inc(dr, get(rowBytes)),
      ]),
      ...assign(ob, add(get(gOut), mul(add(mul(get(fb), get(kAp)), get(t0)), i32(tapBytes)))),
      ...flush,
    ]),
  ];
  const kernelRow: Code = [
    // output lines whose input line bOut + fb − pB is in the image
    ...assign(bLo, max(i32(0), sub(get(P.pB), get(fb)))),
    ...assign(rows, sub(min(get(P.lenB), sub(add(get(P.lenB), get(P.pB)), get(fb))), get(bLo))),
    ...when(gt(get(rows), i32(0)), forRange(t0, i32(0), get(P.kA), t.r, tapTile)),
  ];
  const body: Code = [
    ...assign(rowBytes, mul(add(get(P.lenA), i32(2 * pad)), i32(pb))),
    ...assign(planeBytes, mul(get(P.lenB), get(rowBytes))),
    ...assign(kAp, mul(divU(add(get(P.kA), i32(t.r - 1)), i32(t.r)), i32(t.r))),
    ...forRange(g, get(P.g0), get(P.g1), 1, [
      ...assign(gOut, add(get(P.out), mul(get(g), mul(mul(get(P.kB), get(kAp)), i32(tapBytes))))),
      ...forRange(n, i32(0), get(P.nImg), 1, [
        ...assign(xPl, add(get(P.x), mul(add(mul(get(n), get(P.G)), get(g)), get(planeBytes)))),
        ...assign(dPl, add(get(P.dy), mul(add(mul(get(n), get(P.G)), get(g)), get(planeBytes)))),
        ...forRange(fb, i32(0), get(P.kB), 1, kernelRow),
      ]),
    ]),
  ];
  return i32Function("dw", DW_PARAMS, L, body);
}
