/**
 * The wasm kernel modules and the parallel tasks over them, shared by the calling thread and the
 * kernel threads (worker.ts): a module is named by a {@link ModuleSpec} (kind and register-block
 * parameters), so every thread generates the same bytes and instantiates them against the one
 * kernel memory; a task runs one part [start, end) of a job from its numeric arguments.
 *
 * @module
 */
import { gemmModuleBytes } from "../matmul/wasm_gemm_module.ts";
import { depthwiseModuleBytes } from "../large_depthwise/wasm_depthwise_module.ts";
import { KERNEL_MAX_PAGES, type KernelMemory } from "./memory.ts";

/** Module kinds. */
export const MODULE = { gemm: 0, depthwise: 1 } as const;

/** A kernel module: its kind, two register-block parameters and whether it uses relaxed FMA. */
export interface ModuleSpec {
  /** One of {@link MODULE}. */
  kind: number;
  /** gemm: rows per micro-tile (MR); depthwise: outputs per tile (R). */
  a: number;
  /** gemm: f32x4 vectors per row (NV); depthwise: f32x4 vectors per pixel block (V). */
  b: number;
  /** Relaxed-simd fused multiply-add. */
  fma: boolean;
}

/** Exported functions of a kernel module (all take and return i32s). */
export type KernelExports = Record<string, (...args: number[]) => void>;

/** Cache key of a module spec. */
export function moduleKey(s: ModuleSpec): string {
  return `${s.kind}:${s.a}x${s.b}${s.fma ? "f" : ""}`;
}

function moduleBytes(s: ModuleSpec, km: KernelMemory): Uint8Array<ArrayBuffer> {
  const imported = { shared: km.shared, maxPages: KERNEL_MAX_PAGES };
  if (s.kind === MODULE.gemm) return gemmModuleBytes({ mr: s.a, nv: s.b, fma: s.fma }, imported);
  if (s.kind === MODULE.depthwise) {
    return depthwiseModuleBytes({ r: s.a, v: s.b, fma: s.fma }, imported);
  }
  throw new Error(`kernel threads: unknown module kind ${s.kind}`);
}

/** The module instantiated against the kernel memory, or null where it does not validate. */
export function instantiateKernel(s: ModuleSpec, km: KernelMemory): KernelExports | null {
  if (typeof WebAssembly !== "object") return null;
  const bytes = moduleBytes(s, km);
  if (!WebAssembly.validate(bytes)) return null;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { mem: km.memory },
    });
    return inst.exports as unknown as KernelExports;
  } catch {
    return null;
  }
}

/** Per-thread cache of instantiated modules. */
export class KernelCache {
  private readonly byKey = new Map<string, KernelExports | null>();
  /** Caches instances against memory `km`. */
  constructor(private readonly km: KernelMemory) {}
  /** The instance of `s` (instantiated on first use), or null where it does not validate. */
  get(s: ModuleSpec): KernelExports | null {
    const key = moduleKey(s);
    if (!this.byKey.has(key)) this.byKey.set(key, instantiateKernel(s, this.km));
    return this.byKey.get(key)!;
  }
}

/** One part [start, end) of a job, from the job's arguments. */
export type Task = (ex: KernelExports, args: ArrayLike<number>, start: number, end: number) => void;

/**
 * GEMM over row panels [start, end): args = [a, b, c, np, k, kcMax, kBlocks, ldc, aRow, aCol, mr,
 * chunkPanels, bBlockBytes] (byte addresses and strides). Row panels go in chunks; per chunk the
 * k blocks run in order (the first writes C, the others add), so every element of C sums its
 * products in the same order whatever the range.
 */
const gemmRows: Task = (ex, g, start, end) => {
  const [a, b, c, np, k, kcMax, kBlocks, ldc, aRow, aCol, mr, chunkPanels, bBlock] = [
    g[0]!,
    g[1]!,
    g[2]!,
    g[3]!,
    g[4]!,
    g[5]!,
    g[6]!,
    g[7]!,
    g[8]!,
    g[9]!,
    g[10]!,
    g[11]!,
    g[12]!,
  ];
  for (let p = start; p < end; p += chunkPanels) {
    const panels = Math.min(chunkPanels, end - p);
    for (let kb = 0; kb < kBlocks; kb++) {
      const p0 = kb * kcMax;
      const kc = Math.min(kcMax, k - p0);
      const aBase = a + p * mr * aRow + p0 * aCol;
      const cBase = c + p * mr * ldc;
      ex.gemm!(
        aBase,
        b + kb * bBlock,
        cBase,
        panels,
        np,
        kc,
        ldc,
        kb > 0 ? 1 : 0,
        aRow,
        aCol,
        mr * aRow,
      );
    }
  }
};

/** Depthwise conv of planes [start, end): args = conv's arguments without p0, p1. */
const conv: Task = (ex, g, start, end) => {
  ex.conv!(g[0]!, g[1]!, g[2]!, start, end, g[3]!, g[4]!, g[5]!, g[6]!, g[7]!, g[8]!, g[9]!);
};

/** Depthwise filter gradient of channel groups [start, end): args = dw's arguments without g0, g1. */
const dw: Task = (ex, g, start, end) => {
  ex.dw!(g[0]!, g[1]!, g[2]!, start, end, g[3]!, g[4]!, g[5]!, g[6]!, g[7]!, g[8]!, g[9]!, g[10]!);
};

/**
 * `pack` / `unpack` (by `args[0]`: 0 pack, 1 unpack) of images [start, end): args = 1 + the 16
 * arguments of the call (TRANSFER_PARAMS of wasm_layout_functions.ts), whose third is the image
 * count; `nhwc` advances by `nN` and `planes` by `pN` per image. Images are disjoint, so any split
 * gives the same bytes.
 */
const layoutImages: Task = (ex, g, start, end) => {
  const fn = g[0] === 0 ? ex.pack! : ex.unpack!;
  const args = Array.from({ length: 16 }, (_, i) => g[i + 1]!);
  const src = args[0]! + start * args[10]!;
  const dst = args[1]! + start * args[11]!;
  fn(src, dst, end - start, ...args.slice(3));
};

/** Task ids. */
export const TASK = { gemmRows: 0, conv: 1, dw: 2, layoutImages: 3 } as const;

/** Tasks by id. */
export const TASKS: readonly Task[] = [gemmRows, conv, dw, layoutImages];
