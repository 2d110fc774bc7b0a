/**
 * Mixup and CutMix on a host batch (timm's `Mixup` in batch mode, mix with the reversed batch,
 * CutMix with `correct_lam`), drawing only from a named Rng stream so runs resume exactly.
 *
 * @module
 */
import type { Rng } from "../util/rng.ts";

/** Standard normal from two uniforms (no cached spare, so the stream state stays exact). */
function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** Gamma(shape, 1) sample (Marsaglia-Tsang; shape < 1 through the boost U^(1/shape)). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) {
    const g = sampleGamma(shape + 1, rng);
    let u = 0;
    while (u === 0) u = rng.uniform();
    return g * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, a) sample. */
export function sampleBeta(a: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(a, rng);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** Mixing settings: alphas (0 = off) and the probability of CutMix when both are on. */
export interface MixOptions {
  mixup: number;
  cutmix: number;
  switchProb: number;
}

/**
 * Mixes a batch in place (NHWC `x`, soft targets `t` [n, K]) with its reverse: mixup
 * x ← λx + (1−λ)x_rev, or CutMix (a box of x_rev pasted, λ corrected to the kept area);
 * targets ← λt + (1−λ)t_rev. Returns λ (1 when mixing is off).
 */
export function mixBatch(
  x: Float32Array,
  t: Float32Array,
  dims: { n: number; h: number; w: number; c: number; k: number },
  opts: MixOptions,
  rng: Rng,
): number {
  const { n, h, w, c, k } = dims;
  if (opts.mixup <= 0 && opts.cutmix <= 0) return 1;
  let useCutmix = opts.cutmix > 0;
  if (opts.mixup > 0 && opts.cutmix > 0) useCutmix = rng.uniform() < opts.switchProb;
  let lam = sampleBeta(useCutmix ? opts.cutmix : opts.mixup, rng);
  const per = h * w * c;
  const src = x.slice();
  if (useCutmix) {
    const r = Math.sqrt(1 - lam);
    const ch = Math.floor(h * r);
    const cw = Math.floor(w * r);
    const cy = rng.int(h);
    const cx = rng.int(w);
    const y0 = Math.max(cy - Math.floor(ch / 2), 0);
    const y1 = Math.min(cy + Math.floor(ch / 2), h);
    const x0 = Math.max(cx - Math.floor(cw / 2), 0);
    const x1 = Math.min(cx + Math.floor(cw / 2), w);
    for (let i = 0; i < n; i++) {
      const j = n - 1 - i;
      for (let yy = y0; yy < y1; yy++) {
        const a = i * per + (yy * w + x0) * c;
        const b = j * per + (yy * w + x0) * c;
        x.set(src.subarray(b, b + (x1 - x0) * c), a);
      }
    }
    lam = 1 - ((y1 - y0) * (x1 - x0)) / (h * w);
  } else {
    for (let i = 0; i < n; i++) {
      const j = n - 1 - i;
      for (let e = 0; e < per; e++) {
        x[i * per + e] = lam * src[i * per + e]! + (1 - lam) * src[j * per + e]!;
      }
    }
  }
  const ts = t.slice();
  for (let i = 0; i < n; i++) {
    const j = n - 1 - i;
    for (let e = 0; e < k; e++) t[i * k + e] = lam * ts[i * k + e]! + (1 - lam) * ts[j * k + e]!;
  }
  return lam;
}
