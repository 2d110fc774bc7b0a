/**
 * Benchmark shapes (shared/kernels.md §6.4, batch scaled to the machine): SLaK's large-kernel
 * depthwise convs at 56², a SLaK-T channel count that is not a multiple of 4 (249 at 28²), and
 * the small-map stages (14², 7²) where the kernel covers the whole map.
 *
 * @module
 */
import { UserError } from "../lib/util/errors.ts";

/** One benchmark case: activation [batch, h, w, c] and kernel kh x kw. */
export interface BenchShape {
  id: string;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  /** One of the target shapes (51x5, 5x51, 31x31 at 56x56x128). */
  target: boolean;
}

function shape(h: number, c: number, kh: number, kw: number, target = false): BenchShape {
  return { id: `${h}x${h}x${c}-k${kh}x${kw}`, h, w: h, c, kh, kw, target };
}

/** All cases, the targets first. */
export const BENCH_SHAPES: readonly BenchShape[] = [
  shape(56, 128, 51, 5, true),
  shape(56, 128, 5, 51, true),
  shape(56, 128, 31, 31, true),
  shape(56, 128, 51, 51),
  shape(56, 128, 7, 7),
  shape(28, 249, 49, 5),
  shape(14, 512, 47, 47),
  shape(14, 512, 47, 5),
  shape(7, 1024, 13, 13),
  shape(7, 1024, 13, 5),
];

/**
 * Cases matching any comma-separated token (all when `filter` is empty). A token matches the full
 * id ("56x56x128-k51x5"), its kernel part ("k51x5") or its activation part ("56x56x128").
 */
export function selectShapes(filter: string | undefined): BenchShape[] {
  const tokens = (filter ?? "").split(",").map((t) => t.trim()).filter((t) => t.length > 0);
  if (tokens.length === 0) return [...BENCH_SHAPES];
  const picked = BENCH_SHAPES.filter((s) =>
    tokens.some((t) => s.id === t || s.id.split("-").includes(t))
  );
  if (picked.length === 0) {
    throw new UserError(
      `--shapes ${filter}: matches none of ${BENCH_SHAPES.map((s) => s.id).join(", ")}`,
    );
  }
  return picked;
}
