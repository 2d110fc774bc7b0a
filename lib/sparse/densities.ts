/**
 * Layer-wise densities of the initial sparse network (official `Masking.init` and `SNIP` in
 * sparse_core.py): uniform, ERK and SNIP, picked by name from {@link DENSITY_STRATEGIES}.
 *
 * @module
 */
import { choices, ConfigError } from "../util/errors.ts";
import { numel } from "../util/shape.ts";
import { selectKth } from "./_select.ts";
import type { DensityMap, ShapeMap } from "./types.ts";

function checkDensity(density: number, fn: string): void {
  if (!(density > 0 && density <= 1)) {
    throw new RangeError(`${fn}: density must be in (0, 1], got ${density}`);
  }
}

/**
 * The same density for every layer (official `--sparse_init uniform`).
 *
 * @param shapes maskable weights
 * @param density target density (1 - sparsity)
 * @returns density per layer
 * @example
 * ```ts
 * uniformDensities(new Map([["a", [3, 3]]]), 0.6).get("a"); // 0.6
 * ```
 */
export function uniformDensities(shapes: ShapeMap, density: number): DensityMap {
  checkDensity(density, "uniformDensities");
  return new Map([...shapes.keys()].map((n) => [n, density]));
}

/**
 * Erdős-Rényi-Kernel densities exactly as the official code (power 1.0): density_l =
 * ε·(Σ dims / Π dims); ε is solved so that Σ density_l·numel_l = density·Σ numel_l. Whenever the
 * largest raw score would give a density above 1, every layer with that largest raw score is
 * made dense (density 1, its zeros charged to the others' budget) and ε is re-solved, until
 * valid. Same float operations in the same order as the official loop. Σ and Π of a shape do not
 * depend on the layout, so tfjs shapes give the official numbers.
 *
 * @param shapes maskable weights, in the model's parameter order
 * @param density target overall density (1 - sparsity)
 * @param power exponent of the raw score (official `erk_power_scale`, 1.0)
 * @returns density per layer
 * @example
 * ```ts
 * const d = erkDensities(new Map([["a", [3, 3, 16, 32]], ["b", [32, 10]]]), 0.5);
 * ```
 */
export function erkDensities(shapes: ShapeMap, density: number, power = 1.0): DensityMap {
  checkDensity(density, "erkDensities");
  const names = [...shapes.keys()];
  const dense = new Set<string>();
  let epsilon = 0;
  const raw = new Map<string, number>();
  for (;;) {
    let divisor = 0;
    let rhs = 0;
    raw.clear();
    for (const name of names) {
      const shape = shapes.get(name)!;
      const nParam = numel(shape);
      const nZeros = nParam * (1 - density);
      const nOnes = nParam * density;
      if (dense.has(name)) {
        rhs -= nZeros;
      } else {
        rhs += nOnes;
        const r = (shape.reduce((a, b) => a + b, 0) / nParam) ** power;
        raw.set(name, r);
        divisor += r * nParam;
      }
    }
    if (raw.size === 0) break; // every layer dense (only possible at density 1)
    epsilon = rhs / divisor;
    const maxRaw = Math.max(...raw.values());
    if (maxRaw * epsilon > 1) {
      for (const [name, r] of raw) if (r === maxRaw) dense.add(name);
    } else {
      break;
    }
  }
  return new Map(names.map((n) => [n, dense.has(n) ? 1.0 : epsilon * raw.get(n)!]));
}

/**
 * SNIP layer-wise densities (official `SNIP`): with scores |w ⊙ ∂L/∂w| of one training batch
 * for every maskable weight, take the k-th largest score over all layers, k = ⌊density·total⌋,
 * and give each layer the fraction of its scores strictly above that threshold (official:
 * `g > acceptable_score`, so the threshold element itself and ties with it are not counted).
 * Only these ratios are used; the masks themselves are then drawn at random.
 *
 * @param scores |w·grad| per maskable layer (any layout; only counts matter)
 * @param density target overall density (1 - sparsity)
 * @returns density per layer, in the order of `scores`
 * @example
 * ```ts
 * const s = new Map([["a", new Float32Array([4, 3])], ["b", new Float32Array([2, 1])]]);
 * snipDensities(s, 0.75); // k = 3, threshold 2: a -> 1, b -> 0
 * ```
 */
export function snipDensities(
  scores: ReadonlyMap<string, Float32Array>,
  density: number,
): DensityMap {
  checkDensity(density, "snipDensities");
  let total = 0;
  for (const s of scores.values()) total += s.length;
  const k = Math.floor(total * density);
  const out: DensityMap = new Map();
  if (k < 1) {
    for (const n of scores.keys()) out.set(n, 0);
    return out;
  }
  const neg = new Float32Array(total);
  let o = 0;
  for (const s of scores.values()) {
    for (let i = 0; i < s.length; i++) {
      const v = Math.abs(s[i]!);
      neg[o++] = Number.isNaN(v) ? Infinity : -v; // NaN scores rank last
    }
  }
  // rank k-1 ascending of -score = the k-th largest score (official `topk(...)[-1]`).
  const threshold = -selectKth(neg, k - 1);
  for (const [name, s] of scores) {
    let above = 0;
    for (let i = 0; i < s.length; i++) if (Math.abs(s[i]!) > threshold) above++;
    out.set(name, s.length === 0 ? 0 : above / s.length);
  }
  return out;
}

/** Inputs every density strategy receives. */
export interface DensityInput {
  /** Maskable weights (already filtered by `maskableNames`). */
  shapes: ShapeMap;
  /** Target overall density, 1 - sparsity. */
  density: number;
  /** SNIP scores |w·∂L/∂w| per layer (required by `snip`, ignored otherwise). */
  scores?: ReadonlyMap<string, Float32Array>;
}

/** A rule giving each maskable layer its initial density. */
export type DensityStrategy = (input: DensityInput) => DensityMap;

/** Initial-density strategies by official `--sparse_init` name (lower-cased). */
export const DENSITY_STRATEGIES = {
  uniform: ({ shapes, density }) => uniformDensities(shapes, density),
  erk: ({ shapes, density }) => erkDensities(shapes, density),
  snip: ({ shapes, density, scores }) => {
    if (scores === undefined) {
      throw new RangeError("snip densities need scores (|w·grad| per layer)");
    }
    for (const [name, shape] of shapes) {
      const s = scores.get(name);
      if (s === undefined || s.length !== numel(shape)) {
        throw new RangeError(`snip: scores for "${name}" missing or of the wrong size`);
      }
    }
    const ordered = new Map([...shapes.keys()].map((n) => [n, scores.get(n)!]));
    return snipDensities(ordered, density);
  },
} as const satisfies Record<string, DensityStrategy>;

/** Name of an initial-density strategy. */
export type SparseInit = keyof typeof DENSITY_STRATEGIES;

/** Names accepted by {@link densityStrategy}. */
export const SPARSE_INITS = Object.keys(DENSITY_STRATEGIES) as SparseInit[];

/**
 * The strategy named `name`; throws a ConfigError listing the valid names otherwise.
 *
 * @param name e.g. "snip"
 * @param field config field to name in the error (default "sparsity.init")
 */
export function densityStrategy(name: string, field = "sparsity.init"): DensityStrategy {
  if (!(name in DENSITY_STRATEGIES)) {
    throw new ConfigError(`${field}: unknown value "${name}"; allowed: ${choices(SPARSE_INITS)}`);
  }
  return DENSITY_STRATEGIES[name as SparseInit];
}
