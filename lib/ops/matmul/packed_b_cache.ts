/**
 * Reuse of packed right-hand operands across calls of the wasm matmul, for inference with fixed
 * weights. The wasm kernel packs op(B) into column panels on every call; in a forward pass B is
 * a weight, the same array call after call, and packing it in JS costs up to ~45 % of a product
 * with few rows (SLaK-T's last stages at batch 1: 49–196 rows, 2–4 M weights per product).
 *
 * Caching is opt-in: only inside {@link withConstantOperands} (which the merged-model forward
 * uses) does the kernel keep a packed copy per B array (weakly held: it goes with the array) and
 * reuse it. The caller promises that no B array seen in the scope changes contents while cached;
 * as a guard against in-place updates, each hit re-checks a few sampled values and repacks on any
 * difference. Packed data is the same whether cached or not, so results are bit-identical.
 *
 * @module
 */

/** One packed operand: the blocking it was packed for, a content probe and the panels. */
interface Entry {
  /** `${k} ${n} ${transposeB} ${nr} ${kcMax}`. */
  key: string;
  /** Sampled values of B when packed. */
  probe: Float32Array;
  /** The packed panels (what the kernel expects at its B offset). */
  packed: Float32Array;
}

/** Sampled B values compared on every hit. */
const PROBES = 32;

let depth = 0;
let cache = new WeakMap<Float32Array, Entry>();
const counts = { hits: 0, misses: 0 };

/**
 * Runs `fn` with packed-B reuse on: every matmul B operand inside must keep its contents (weights
 * of a model that is not being trained). Nests; synchronous only (tfjs cpu kernels run inside
 * the call).
 */
export function withConstantOperands<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/** Whether the current matmul may reuse packed B operands. */
export function constantOperandsActive(): boolean {
  return depth > 0;
}

function probeOf(b: Float32Array): Float32Array {
  const p = new Float32Array(Math.min(PROBES, b.length));
  const step = b.length / p.length;
  for (let i = 0; i < p.length; i++) p[i] = b[Math.floor(i * step)]!;
  return p;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Int32Array(a.buffer, a.byteOffset, a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The packed panels of `b` for blocking `key`: the cached copy when it is current, else
 * `pack()`'s result (kept for next time).
 */
export function packedOperand(
  b: Float32Array,
  key: string,
  pack: () => Float32Array,
): Float32Array {
  const e = cache.get(b);
  if (e !== undefined && e.key === key && sameBits(e.probe, probeOf(b))) {
    counts.hits++;
    return e.packed;
  }
  counts.misses++;
  const packed = pack();
  cache.set(b, { key, probe: probeOf(b), packed });
  return packed;
}

/** Hits and misses of the packed-B cache since the last {@link clearPackedOperands}. */
export function packedOperandStats(): { hits: number; misses: number } {
  return { ...counts };
}

/** Drops every cached packed operand and zeroes the statistics. */
export function clearPackedOperands(): void {
  cache = new WeakMap();
  counts.hits = 0;
  counts.misses = 0;
}
