/**
 * Effective receptive field (ERF) as RepLKNet and SLaK measure it (spec §3.7): for each image, the
 * gradient of Σ_c ReLU(F[c, h/2, w/2]) — F the last stage's feature map before the final norm
 * and pooling, eval mode — with respect to the input, passed through ReLU and summed over the
 * input channels; the maps are averaged over the images (images whose map is not finite are
 * skipped, as the official script does). The area-ratio metric: log10(x + 1), divided by its
 * maximum; for each threshold t the smallest centred square (side 2i + 1) whose share of the
 * total exceeds t, as a fraction of the image area.
 *
 * @module
 */
import { forward } from "../models/forward.ts";
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";

/** The thresholds of the official analysis script. */
export const ERF_THRESHOLDS = [0.2, 0.3, 0.5, 0.99] as const;

/** Running sum of per-image ERF maps. */
export interface ErfAccumulator {
  /** Height of the input images. */
  h: number;
  /** Width of the input images. */
  w: number;
  /** Σ over images of the normalised gradient maps, row-major [h, w]. */
  sum: Float64Array;
  /** Images added. */
  count: number;
  /** Images skipped because their map was not finite. */
  skipped: number;
}

/** An empty accumulator for h×w inputs. */
export function erfAccumulator(h: number, w: number): ErfAccumulator {
  return { h, w, sum: new Float64Array(h * w), count: 0, skipped: 0 };
}

/**
 * The per-image ERF maps of an NHWC batch: [n, h, w] (ReLU'd input gradient summed over input
 * channels). In eval mode images do not interact, so one backward pass of the summed scalar
 * gives every image's gradient.
 */
export function erfBatchMaps(model: Model, x: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const g = tf.grad((inp: tf.Tensor) => {
      const f = forward(model, inp as tf.Tensor4D, {
        training: false,
        output: "features",
      }) as tf.Tensor4D;
      const [, fh, fw, c] = f.shape;
      const centre = tf.slice(f, [0, Math.floor(fh / 2), Math.floor(fw / 2), 0], [-1, 1, 1, c]);
      return tf.sum(tf.relu(centre));
    })(x);
    return tf.sum(tf.relu(g), 3) as tf.Tensor3D;
  });
}

/** Adds the maps of an NHWC batch to `acc`. */
export async function accumulateErf(
  acc: ErfAccumulator,
  model: Model,
  x: tf.Tensor4D,
): Promise<void> {
  const [n, h, w] = x.shape;
  if (h !== acc.h || w !== acc.w) {
    throw new Error(`accumulateErf: batch is ${h}x${w}, accumulator ${acc.h}x${acc.w}`);
  }
  const maps = erfBatchMaps(model, x);
  const data = (await maps.data()) as Float32Array;
  maps.dispose();
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    const m = data.subarray(i * hw, (i + 1) * hw);
    if (!m.every(Number.isFinite)) {
      acc.skipped++;
      continue;
    }
    for (let p = 0; p < hw; p++) acc.sum[p] = acc.sum[p]! + m[p]!;
    acc.count++;
  }
}

/** The averaged ERF map [h·w] (float32). */
export function erfMean(acc: ErfAccumulator): Float32Array {
  const out = new Float32Array(acc.h * acc.w);
  if (acc.count === 0) return out;
  for (let p = 0; p < out.length; p++) out[p] = acc.sum[p]! / acc.count;
  return out;
}

/** log10(x + 1) / max (all zeros stay zeros): the map the metric and the heatmap use. */
export function logScaled(map: Float32Array): Float32Array {
  const out = new Float32Array(map.length);
  let max = 0;
  for (let i = 0; i < map.length; i++) {
    out[i] = Math.log10(map[i]! + 1);
    if (out[i]! > max) max = out[i]!;
  }
  if (max > 0) { for (let i = 0; i < out.length; i++) out[i] = out[i]! / max; }
  return out;
}

/** One threshold's result: the square's side and its area as a fraction of the image. */
export interface AreaRatio {
  /** Side of the smallest centred square holding the threshold share of the ERF mass (pixels). */
  side: number;
  /** Area of that square as a fraction of the image area. */
  ratio: number;
}

/**
 * The smallest centred square (side 2i + 1, centre (⌊h/2⌋, ⌊w/2⌋), clipped to the image) whose
 * sum exceeds `t` of the total of an already log-scaled map; its (clipped) area / (h·w).
 */
export function areaRatio(scaled: Float32Array, h: number, w: number, t: number): AreaRatio {
  let total = 0;
  for (let i = 0; i < scaled.length; i++) total += scaled[i]!;
  if (total <= 0) return { side: 0, ratio: 0 };
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  const maxI = Math.max(h, w);
  for (let i = 0; i <= maxI; i++) {
    const y0 = Math.max(0, cy - i);
    const y1 = Math.min(h, cy + i + 1);
    const x0 = Math.max(0, cx - i);
    const x1 = Math.min(w, cx + i + 1);
    let s = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += scaled[y * w + x]!;
    if (s / total > t) return { side: 2 * i + 1, ratio: ((y1 - y0) * (x1 - x0)) / (h * w) };
  }
  return { side: 2 * maxI + 1, ratio: 1 };
}

/** Area ratios for the official thresholds, keyed "0.2", "0.3", "0.5", "0.99". */
export function areaRatios(map: Float32Array, h: number, w: number): Record<string, number> {
  const scaled = logScaled(map);
  const out: Record<string, number> = {};
  for (const t of ERF_THRESHOLDS) out[String(t)] = areaRatio(scaled, h, w, t).ratio;
  return out;
}
