/**
 * The data-movement functions of the depthwise WebAssembly module (see wasm_depthwise_module.ts
 * for the plane layout): NHWC ⇄ planes, and the zero padding at both ends of plane lines.
 *
 * `pack` and `unpack` walk the NHWC side in memory order (image, outer axis, inner axis, channel
 * group) so that side streams, and scatter to / gather from one plane per channel group. Strides
 * are parameters (bytes; the NHWC ones may be negative, which walks a filter backwards: the 180°
 * rotation of the data gradient), so the same code serves activations and filters, along H or W.
 *
 * @module
 */
import { VAL, type WasmFunction } from "../matmul/wasm_emitter.ts";
import {
  add,
  addF32x4,
  and,
  and128,
  assign,
  type Code,
  demotePair,
  fillZero,
  forRange,
  get,
  gt,
  i32,
  ifElse,
  inc,
  laneMask,
  load,
  Locals,
  max,
  min,
  mul,
  ne,
  repeat,
  shrU,
  store,
  storeLane,
  sub,
  when,
} from "./wasm_asm.ts";

/**
 * Parameters of `pack` / `unpack`: the NHWC pointer `nhwc` and the planes pointer `planes` (at the
 * first in-image pixel, past the line padding); lenO × lenI pixels per image, walked with NHWC
 * strides nO / nI and plane strides pO / pI; nN / pN between images, pG between channel-group
 * planes; C channels (groups of 4V, the last one partial). `unpack` also takes `mode` (bit 1: add
 * to the NHWC values, bit 2: add `bias`, 4V floats per group).
 */
export const TRANSFER_PARAMS = [
  "nhwc",
  "planes",
  "nImg",
  "G",
  "lenO",
  "nO",
  "pO",
  "lenI",
  "nI",
  "pI",
  "nN",
  "pN",
  "pG",
  "C",
  "mode",
  "bias",
] as const;

type Params<K extends string> = Record<K, number>;

function params<K extends string>(names: readonly K[]): Params<K> {
  return Object.fromEntries(names.map((s, i) => [s, i])) as Params<K>;
}

/** An exported function whose parameters are all i32. */
export function i32Function(
  name: string,
  names: readonly string[],
  locals: Locals,
  body: Code,
): WasmFunction {
  return { name, params: names.map(() => VAL.i32), results: [], locals: locals.types, body };
}

/**
 * The pixel loops shared by pack and unpack: for each image, outer and inner position, `group`
 * runs for groups 0..G−2 and `last` for group G−1, with locals `sp` (NHWC) and `dp` (plane)
 * pointing at the group's pixel block.
 */
function pixelLoops(
  P: Params<(typeof TRANSFER_PARAMS)[number]>,
  L: Locals,
  pb: number,
  group: (sp: number, dp: number) => Code,
  last: (sp: number, dp: number) => Code,
): Code {
  const { n, i, j, sp, dp, left } = L.i32s(["n", "i", "j", "sp", "dp", "left"]);
  const start: Code = [
    ...assign(
      sp,
      add(
        get(P.nhwc),
        add(mul(get(n), get(P.nN)), add(mul(get(i), get(P.nO)), mul(get(j), get(P.nI)))),
      ),
    ),
    ...assign(
      dp,
      add(
        get(P.planes),
        add(mul(get(n), get(P.pN)), add(mul(get(i), get(P.pO)), mul(get(j), get(P.pI)))),
      ),
    ),
  ];
  const groups: Code = [
    ...assign(left, sub(get(P.G), i32(1))),
    ...when(
      get(left),
      repeat(left, [...group(sp, dp), ...inc(sp, i32(pb)), ...inc(dp, get(P.pG))]),
    ),
    ...last(sp, dp),
  ];
  return forRange(
    n,
    i32(0),
    get(P.nImg),
    1,
    forRange(i, i32(0), get(P.lenO), 1, forRange(j, i32(0), get(P.lenI), 1, [...start, ...groups])),
  );
}

/** Lanes of vector v in the last group: C − (G−1)·4V − 4v (≤ 0: none, ≥ 4: all). */
function lastLanes(P: Params<(typeof TRANSFER_PARAMS)[number]>, nv: number, v: number): Code {
  return sub(get(P.C), add(mul(sub(get(P.G), i32(1)), i32(4 * nv)), i32(4 * v)));
}

/**
 * `pack(...TRANSFER_PARAMS)`: NHWC → planes. The last group's lanes past C read the next pixel
 * (or the slack after the array) and are masked to zeros: lanes never mix, but this keeps
 * arbitrary values (slow denormals, NaN) out of the unused lanes.
 */
export function packFunction(nv: number): WasmFunction {
  const P = params(TRANSFER_PARAMS);
  const L = new Locals(TRANSFER_PARAMS.length);
  const pb = 16 * nv;
  const masks: number[] = [];
  const setup: Code = [];
  for (let v = 0; v < nv; v++) {
    masks.push(L.v128());
    setup.push(...assign(masks[v]!, laneMask(lastLanes(P, nv, v))));
  }
  const copy = (masked: boolean) => (sp: number, dp: number): Code => {
    const out: Code = [];
    for (let v = 0; v < nv; v++) {
      const x = load(get(sp), 16 * v);
      out.push(...store(get(dp), masked ? and128(x, get(masks[v]!)) : x, 16 * v));
    }
    return out;
  };
  const body = pixelLoops(P, L, pb, copy(false), copy(true));
  return i32Function("pack", TRANSFER_PARAMS, L, [...setup, ...body]);
}

/** `unpack(...TRANSFER_PARAMS)`: planes → NHWC (store or add, optional bias); only C channels. */
export function unpackFunction(nv: number): WasmFunction {
  const P = params(TRANSFER_PARAMS);
  const L = new Locals(TRANSFER_PARAMS.length);
  const pb = 16 * nv;
  const { accumulate, withBias, bp } = L.i32s(["accumulate", "withBias", "bp"]);
  const lanes: number[] = [];
  const val = L.v128();
  const setup: Code = [
    ...assign(accumulate, and(get(P.mode), i32(1))),
    ...assign(withBias, and(get(P.mode), i32(2))),
  ];
  for (let v = 0; v < nv; v++) {
    lanes.push(L.i32());
    setup.push(...assign(lanes[v]!, max(i32(0), min(i32(4), lastLanes(P, nv, v)))));
  }
  // the bias pointer follows the group: reset per pixel, advanced with the group loop
  const value = (sp: number, dp: number, v: number): Code => [
    ...assign(val, load(get(dp), 16 * v)),
    ...when(get(accumulate), assign(val, addF32x4(load(get(sp), 16 * v), get(val)))),
    ...when(get(withBias), assign(val, addF32x4(get(val), load(get(bp), 16 * v)))),
  ];
  const group = (sp: number, dp: number): Code => {
    const out: Code = [];
    for (let v = 0; v < nv; v++) {
      out.push(...value(sp, dp, v), ...store(get(sp), get(val), 16 * v));
    }
    return [...out, ...inc(bp, i32(pb))];
  };
  const last = (sp: number, dp: number): Code => {
    const out: Code = [];
    for (let v = 0; v < nv; v++) {
      const partial: Code = [];
      for (let l = 0; l < 3; l++) {
        partial.push(
          ...when(gt(get(lanes[v]!), i32(l)), storeLane(get(sp), get(val), l, 16 * v + 4 * l)),
        );
      }
      out.push(
        ...when(
          gt(get(lanes[v]!), i32(0)),
          [
            ...value(sp, dp, v),
            ...ifElse(ne(get(lanes[v]!), i32(4)), partial, store(get(sp), get(val), 16 * v)),
          ],
        ),
      );
    }
    return [...out, ...assign(bp, get(P.bias))];
  };
  const body = [...assign(bp, get(P.bias)), ...pixelLoops(P, L, pb, group, last)];
  return i32Function("unpack", TRANSFER_PARAMS, L, [...setup, ...body]);
}

/** Parameters of `demote`: `count` float64 at `src` rounded to float32 at `dst` (count % 4 = 0). */
export const DEMOTE_PARAMS = ["src", "dst", "count"] as const;

/** `demote(src, dst, count)`: float64 → float32, four values per step (dst may alias src). */
export function demoteFunction(): WasmFunction {
  const P = params(DEMOTE_PARAMS);
  const L = new Locals(DEMOTE_PARAMS.length);
  const { sp, dp, left } = L.i32s(["sp", "dp", "left"]);
  const body: Code = [
    ...assign(sp, get(P.src)),
    ...assign(dp, get(P.dst)),
    ...assign(left, shrU(get(P.count), i32(2))),
    ...when(
      get(left),
      repeat(left, [
        ...store(get(dp), demotePair(load(get(sp)), load(get(sp), 16))),
        ...inc(sp, i32(32)),
        ...inc(dp, i32(16)),
      ]),
    ),
  ];
  return i32Function("demote", DEMOTE_PARAMS, L, body);
}

/** Parameters of `padLines`: `rows` lines of `rowBytes` from `dst`, `padBytes` zeroed at each end. */
export const PAD_PARAMS = ["dst", "rows", "rowBytes", "padBytes"] as const;

/** `padLines(dst, rows, rowBytes, padBytes)`: zeroes the line padding of planes. */
export function padLinesFunction(): WasmFunction {
  const P = params(PAD_PARAMS);
  const L = new Locals(PAD_PARAMS.length);
  const { r, dp } = L.i32s(["r", "dp"]);
  const body: Code = [
    ...assign(dp, get(P.dst)),
    ...forRange(r, i32(0), get(P.rows), 1, [
      ...fillZero(get(dp), get(P.padBytes)),
      ...fillZero(sub(add(get(dp), get(P.rowBytes)), get(P.padBytes)), get(P.padBytes)),
      ...inc(dp, get(P.rowBytes)),
    ]),
  ];
  return i32Function("padLines", PAD_PARAMS, L, body);
}
