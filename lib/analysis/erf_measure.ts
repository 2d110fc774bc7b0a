/**
 * One ERF measurement, shared by `slak erf` and `slak ablate erf`: images (NHWC float32, from a
 * data set's test split or an array), optionally resized, run through {@link accumulateErf} in
 * batches; the averaged map, its area ratios, and the three files of a measurement written
 * atomically (erf.npy: the map; erf.png: its log-scaled heatmap; erf.json: ratios and provenance).
 *
 * @module
 */
import type { Dataset } from "../data/types.ts";
import { encodeNpy } from "../io/mod.ts";
import type { Model } from "../models/model.ts";
import { tf } from "../tf.ts";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import { accumulateErf, areaRatios, erfAccumulator, erfMean, logScaled } from "./erf.ts";
import { erfPng } from "./heatmap_png.ts";

/** Images as NHWC float32 plus their count, size and a description of where they come from. */
export interface ErfImages {
  data: Float32Array;
  n: number;
  h: number;
  w: number;
  c: number;
  source: string;
}

/** The first `k` test images of `ds` (fewer when the split is smaller). */
export function imagesOfDataset(ds: Dataset, k: number): ErfImages {
  const n = Math.min(k, ds.size("test"));
  const per = ds.height * ds.width * ds.inChannels;
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++) ds.loadInto("test", i, data, i * per);
  return {
    data,
    n,
    h: ds.height,
    w: ds.width,
    c: ds.inChannels,
    source: `${ds.name} test[0:${n}]`,
  };
}

/** Options of {@link measureErf}. */
export interface MeasureOptions {
  /** Resize the images to size × size (bilinear, corners aligned) before measuring. */
  size?: number | undefined;
  /** Images per backward pass. */
  batchSize: number;
  /** Called after each batch with the number of images done. */
  onProgress?: ((done: number) => void) | undefined;
}

/** The result of one measurement. */
export interface ErfMeasurement {
  /** The averaged ERF map, row-major [h, w]. */
  map: Float32Array;
  h: number;
  w: number;
  /** Threshold ("0.2", ...) → area ratio. */
  areaRatio: Record<string, number>;
  /** Images averaged. */
  images: number;
  /** Images skipped (non-finite map). */
  skipped: number;
  /** Wall time of the measurement (s). */
  seconds: number;
}

/** Measures the ERF of `model` (already built and loaded) on `images`. */
export async function measureErf(
  model: Model,
  images: ErfImages,
  opts: MeasureOptions,
): Promise<ErfMeasurement> {
  const t0 = performance.now();
  const { size } = opts;
  const h = size ?? images.h;
  const w = size ?? images.w;
  const acc = erfAccumulator(h, w);
  const per = images.h * images.w * images.c;
  for (let i = 0; i < images.n; i += opts.batchSize) {
    const b = Math.min(opts.batchSize, images.n - i);
    const x = tf.tidy(() => {
      const t = tf.tensor4d(images.data.subarray(i * per, (i + b) * per), [
        b,
        images.h,
        images.w,
        images.c,
      ]);
      return size && (size !== images.h || size !== images.w)
        ? tf.image.resizeBilinear(t, [size, size], true)
        : t;
    });
    try {
      await accumulateErf(acc, model, x);
    } finally {
      x.dispose();
    }
    opts.onProgress?.(i + b);
  }
  const map = erfMean(acc);
  return {
    map,
    h: acc.h,
    w: acc.w,
    areaRatio: areaRatios(map, acc.h, acc.w),
    images: acc.count,
    skipped: acc.skipped,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
  };
}

/** File names of a measurement inside its folder. */
export const ERF_FILES = { npy: "erf.npy", png: "erf.png", json: "erf.json" } as const;

/**
 * Writes erf.npy and erf.png, then erf.json (last, so that its presence means the measurement is
 * complete), each atomically (temp file + rename). `extra` is merged into erf.json after the
 * measurement's own fields (areaRatio, images, skipped, size, seconds).
 */
export async function writeErf(
  outDir: string,
  m: ErfMeasurement,
  extra: Record<string, unknown>,
): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  await writeFileAtomic(
    `${outDir}/${ERF_FILES.npy}`,
    encodeNpy({ dtype: "float32", shape: [m.h, m.w], data: m.map }),
  );
  await writeFileAtomic(`${outDir}/${ERF_FILES.png}`, erfPng(logScaled(m.map), m.h, m.w));
  await writeJsonAtomic(`${outDir}/${ERF_FILES.json}`, {
    areaRatio: m.areaRatio,
    images: m.images,
    skipped: m.skipped,
    size: [m.h, m.w],
    ...extra,
    seconds: m.seconds,
  });
}
