/**
 * Generates the WebAssembly SIMD matmul module (hand-assembled; see wasm_emitter.ts):
 *
 * - `gemm(a, b, c, mPanels, nPanels, k, ldc, accumulate, aRow, aCol, aPanel)`: for every row
 *   panel i (MR rows) and column panel j (NR = 4·NV columns), the MR×NR tile
 *   C[i·MR.., j·NR..] (+)= Σ_p A[i·MR + r, p] · B_j[p, :] with MR·NV f32x4 accumulators in
 *   locals (added to the tile when `accumulate` ≠ 0). A is read in place: element (r, p) of
 *   panel i is at byte a + i·aPanel + r·aRow + p·aCol, so row-major and transposed A need no
 *   packing. B is packed p-major, panel j at b + j·k·NR·4. C is row-major with a row stride of
 *   `ldc` bytes and every tile is written whole (callers pad C to the panel grid).
 * - `compact(c, rows, rowBytes, ldc)`: moves rows of `rowBytes` from stride `ldc` to stride
 *   `rowBytes` in place (unpads C).
 * - `pack(src, dst, kc, srcRow, panels, panelBytes)`: full NR-column panels of a row-major B
 *   copied into the panel layout `gemm` reads (see {@link packFunction}).
 *
 * Every output sums p in order 0..k-1, so results are deterministic.
 *
 * @module
 */
import {
  type ImportedMemory,
  memarg,
  OP,
  SIMD,
  simd,
  sleb,
  uleb,
  VAL,
  type WasmFunction,
  wasmModule,
} from "./wasm_emitter.ts";

/** Shape of the register block and whether to use relaxed-simd fused multiply-add. */
export interface GemmKernelShape {
  /** Rows per micro-tile. */
  mr: number;
  /** f32x4 vectors per micro-tile row (NR = 4·nv columns). */
  nv: number;
  /** Use f32x4.relaxed_madd instead of mul + add. */
  fma: boolean;
}

function get(i: number): number[] {
  return [OP.localGet, ...uleb(i)];
}
function set(i: number): number[] {
  return [OP.localSet, ...uleb(i)];
}
function i32(v: number): number[] {
  return [OP.i32Const, ...sleb(v)];
}
/** local[x] += local[y] */
function addLocal(x: number, y: number): number[] {
  return [...get(x), ...get(y), OP.i32Add, ...set(x)];
}
/** local[x] += v */
function addConst(x: number, v: number): number[] {
  return [...get(x), ...i32(v), OP.i32Add, ...set(x)];
}

/** The `gemm` function for one register-block shape. */
export function gemmFunction({ mr, nv, fma }: GemmKernelShape): WasmFunction {
  const nr = 4 * nv;
  const params = ["a", "b", "c", "mp", "np", "k", "ldc", "accumulate", "aRow", "aCol", "aPanel"];
  const P = Object.fromEntries(params.map((s, i) => [s, i])) as Record<string, number>;
  const locals: number[] = [];
  const local = (t: number) => params.length + locals.push(t) - 1;
  const L = {
    i: local(VAL.i32),
    j: local(VAL.i32),
    p: local(VAL.i32),
    ap: local(VAL.i32),
    bp: local(VAL.i32),
    cp: local(VAL.i32),
    bStride: local(VAL.i32),
    t: local(VAL.i32),
  };
  // aRowR[r] = r·aRow for r ≥ 2 (r = 1 uses the parameter itself)
  const aRowR: number[] = [0, P.aRow!];
  for (let r = 2; r < mr; r++) aRowR.push(local(VAL.i32));
  const accs: number[] = [];
  for (let x = 0; x < mr * nv; x++) accs.push(local(VAL.v128));
  const acc = (r: number, v: number) => accs[r * nv + v]!;
  const bvs: number[] = [];
  for (let v = 0; v < nv; v++) bvs.push(local(VAL.v128));
  const av = local(VAL.v128);

  // accumulators start at zero, or at the C tile when accumulating over k blocks
  const loadAcc: number[] = [...get(L.cp), ...set(L.t)];
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) {
      loadAcc.push(...get(L.t), ...simd(SIMD.v128Load, ...memarg(4, 16 * v)), ...set(acc(r, v)));
    }
    if (r + 1 < mr) loadAcc.push(...addLocal(L.t, P.ldc!));
  }
  const zeroAcc: number[] = [];
  for (const x of accs) zeroAcc.push(...simd(SIMD.v128Const, ...Array(16).fill(0)), ...set(x));

  const inner: number[] = [];
  for (let v = 0; v < nv; v++) {
    inner.push(...get(L.bp), ...simd(SIMD.v128Load, ...memarg(4, 16 * v)), ...set(bvs[v]!));
  }
  for (let r = 0; r < mr; r++) {
    inner.push(...get(L.ap));
    if (r > 0) inner.push(...get(aRowR[r]!), OP.i32Add);
    inner.push(...simd(SIMD.v128Load32Splat, ...memarg(2, 0)), ...set(av));
    for (let v = 0; v < nv; v++) {
      if (fma) {
        inner.push(...get(av), ...get(bvs[v]!), ...get(acc(r, v)));
        inner.push(...simd(SIMD.f32x4RelaxedMadd));
      } else {
        inner.push(...get(acc(r, v)), ...get(av), ...get(bvs[v]!));
        inner.push(...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add));
      }
      inner.push(...set(acc(r, v)));
    }
  }
  inner.push(...addLocal(L.ap, P.aCol!), ...addConst(L.bp, 4 * nr));
  inner.push(...get(L.p), ...i32(1), OP.i32Sub, OP.localTee, ...uleb(L.p), OP.brIf, 0);

  const store: number[] = [];
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) {
      store.push(...get(L.cp), ...get(acc(r, v)), ...simd(SIMD.v128Store, ...memarg(4, 16 * v)));
    }
    if (r + 1 < mr) store.push(...addLocal(L.cp, P.ldc!));
  }

  const setup: number[] = [...get(P.k!), ...i32(4 * nr), OP.i32Mul, ...set(L.bStride)];
  for (let r = 2; r < mr; r++) {
    setup.push(...get(P.aRow!), ...i32(r), OP.i32Mul, ...set(aRowR[r]!));
  }

  const body = [
    ...setup,
    ...i32(0),
    ...set(L.i),
    OP.loop,
    OP.blockVoid, // row panels
    ...i32(0),
    ...set(L.j),
    OP.loop,
    OP.blockVoid, // column panels
    // cp = c + i·mr·ldc + j·nr·4
    ...get(P.c!),
    ...get(L.i),
    ...i32(mr),
    OP.i32Mul,
    ...get(P.ldc!),
    OP.i32Mul,
    OP.i32Add,
    ...get(L.j),
    ...i32(4 * nr),
    OP.i32Mul,
    OP.i32Add,
    ...set(L.cp),
    ...get(P.accumulate!),
    OP.if,
    OP.blockVoid,
    ...loadAcc,
    OP.else,
    ...zeroAcc,
    OP.end,
    ...get(P.a!),
    ...get(L.i),
    ...get(P.aPanel!),
    OP.i32Mul,
    OP.i32Add,
    ...set(L.ap),
    ...get(P.b!),
    ...get(L.j),
    ...get(L.bStride),
    OP.i32Mul,
    OP.i32Add,
    ...set(L.bp),
    ...get(P.k!),
    ...set(L.p),
    OP.loop,
    OP.blockVoid, // p
    ...inner,
    OP.end,
    ...store,
    ...get(L.j),
    ...i32(1),
    OP.i32Add,
    OP.localTee,
    ...uleb(L.j),
    ...get(P.np!),
    OP.i32Ne,
    OP.brIf,
    0,
    OP.end,
    ...get(L.i),
    ...i32(1),
    OP.i32Add,
    OP.localTee,
    ...uleb(L.i),
    ...get(P.mp!),
    OP.i32Ne,
    OP.brIf,
    0,
    OP.end,
  ];
  return { name: "gemm", params: params.map(() => VAL.i32), results: [], locals, body };
}

/** `compact(c, rows, rowBytes, ldc)`: unpads `rows` rows in place with memory.copy. */
export function compactFunction(): WasmFunction {
  const [c, rows, rowBytes, ldc, r, src, dst] = [0, 1, 2, 3, 4, 5, 6];
  const body = [
    ...get(c),
    ...set(src),
    ...get(c),
    ...set(dst),
    ...i32(0),
    ...set(r),
    OP.block,
    OP.blockVoid,
    ...get(rows),
    OP.i32Eqz,
    OP.brIf,
    0,
    OP.loop,
    OP.blockVoid,
    ...get(dst),
    ...get(src),
    ...get(rowBytes),
    ...OP.memoryCopy,
    ...addLocal(src, ldc),
    ...addLocal(dst, rowBytes),
    ...get(r),
    ...i32(1),
    OP.i32Add,
    OP.localTee,
    r,
    ...get(rows),
    OP.i32Ne,
    OP.brIf,
    0,
    OP.end,
    OP.end,
  ];
  return {
    name: "compact",
    params: [VAL.i32, VAL.i32, VAL.i32, VAL.i32],
    results: [],
    locals: [VAL.i32, VAL.i32, VAL.i32],
    body,
  };
}

/**
 * `pack(src, dst, kc, srcRow, panels, panelBytes)`: copies `panels` full column panels of a
 * row-major B (rows `srcRow` bytes apart, panel t starting at src + t·NR·4) into the p-major
 * panel layout the `gemm` function reads (panel t at dst + t·panelBytes, NR floats per row p,
 * kc rows), NV f32x4 per row.
 */
export function packFunction(nv: number): WasmFunction {
  const nr = 4 * nv;
  const [src, dst, kc, srcRow, panels, panelBytes] = [0, 1, 2, 3, 4, 5];
  const [t, s, d, p] = [6, 7, 8, 9];
  const row: number[] = [];
  for (let v = 0; v < nv; v++) {
    row.push(...get(d), ...get(s), ...simd(SIMD.v128Load, ...memarg(0, 16 * v)));
    row.push(...simd(SIMD.v128Store, ...memarg(0, 16 * v)));
  }
  const body = [
    ...i32(0),
    ...set(t),
    OP.block,
    OP.blockVoid,
    ...get(panels),
    OP.i32Eqz,
    OP.brIf,
    0,
    OP.loop,
    OP.blockVoid, // panels
    // s = src + t·nr·4, d = dst + t·panelBytes
    ...get(src),
    ...get(t),
    ...i32(4 * nr),
    OP.i32Mul,
    OP.i32Add,
    ...set(s),
    ...get(dst),
    ...get(t),
    ...get(panelBytes),
    OP.i32Mul,
    OP.i32Add,
    ...set(d),
    ...get(kc),
    ...set(p),
    OP.loop,
    OP.blockVoid, // rows p
    ...row,
    ...addLocal(s, srcRow),
    ...addConst(d, 4 * nr),
    ...get(p),
    ...i32(1),
    OP.i32Sub,
    OP.localTee,
    ...uleb(p),
    OP.brIf,
    0,
    OP.end,
    ...get(t),
    ...i32(1),
    OP.i32Add,
    OP.localTee,
    ...uleb(t),
    ...get(panels),
    OP.i32Ne,
    OP.brIf,
    0,
    OP.end,
    OP.end,
  ];
  return {
    name: "pack",
    params: [VAL.i32, VAL.i32, VAL.i32, VAL.i32, VAL.i32, VAL.i32],
    results: [],
    locals: [VAL.i32, VAL.i32, VAL.i32, VAL.i32],
    body,
  };
}

/**
 * Bytes of a module exporting `mem`, `gemm` (for the given register block), `compact` and
 * `pack`; the memory is imported (`env.mem`) when `imported` is given.
 */
export function gemmModuleBytes(
  shape: GemmKernelShape,
  imported?: ImportedMemory,
): Uint8Array<ArrayBuffer> {
  return wasmModule([gemmFunction(shape), compactFunction(), packFunction(shape.nv)], 1, imported);
}
