/**
 * Sliding-window inference as mmseg's `EncoderDecoder.slide_inference`: the image is covered by
 * windows of `crop` size placed every `stride` pixels (`grids = max(size − crop + stride − 1, 0)
 * // stride + 1` per axis), each window shifted back inside the image at the far edge (and cut to
 * the image when the image is smaller than the crop); every window's logits are added into a
 * full-size buffer and each pixel is divided by the number of windows that covered it.
 * The model is any function from a window to its HWC logits.
 *
 * @module
 */

/** One window: rows `[y1, y2)`, columns `[x1, x2)`. */
export interface Window {
  /** First row. */
  y1: number;
  /** End row (exclusive). */
  y2: number;
  /** First column. */
  x1: number;
  /** End column (exclusive). */
  x2: number;
}

function grids(size: number, crop: number, stride: number): number {
  return Math.floor(Math.max(size - crop + stride - 1, 0) / stride) + 1;
}

/**
 * The windows mmseg visits, row-major.
 * @param height image height
 * @param width image width
 * @param crop window size [rows, columns]
 * @param stride step [rows, columns]
 * @example
 * ```ts
 * const w = slidingWindows(512, 683, [512, 512], [341, 341]);
 * if (w.length !== 2 || w[1]!.x1 !== 171 || w[1]!.x2 !== 683) throw new Error("bad windows");
 * ```
 */
export function slidingWindows(
  height: number,
  width: number,
  crop: [number, number],
  stride: [number, number],
): Window[] {
  if (crop[0] < 1 || crop[1] < 1 || stride[0] < 1 || stride[1] < 1) {
    throw new RangeError(`slidingWindows: crop ${crop} and stride ${stride} must be positive`);
  }
  const out: Window[] = [];
  const gh = grids(height, crop[0], stride[0]);
  const gw = grids(width, crop[1], stride[1]);
  for (let i = 0; i < gh; i++) {
    for (let j = 0; j < gw; j++) {
      const y2 = Math.min(i * stride[0] + crop[0], height);
      const x2 = Math.min(j * stride[1] + crop[1], width);
      out.push({ y1: Math.max(y2 - crop[0], 0), y2, x1: Math.max(x2 - crop[1], 0), x2 });
    }
  }
  return out;
}

/** Copies window `w` of an HWC image (`channels` values per pixel) into a new array. */
export function windowOf(
  image: Float32Array,
  width: number,
  channels: number,
  w: Window,
): Float32Array {
  const ww = w.x2 - w.x1;
  const out = new Float32Array((w.y2 - w.y1) * ww * channels);
  for (let y = w.y1; y < w.y2; y++) {
    const src = (y * width + w.x1) * channels;
    out.set(image.subarray(src, src + ww * channels), (y - w.y1) * ww * channels);
  }
  return out;
}

/** Inputs of {@link slideInference}. */
export interface SlideOptions {
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** Logits per pixel (number of classes). */
  numClasses: number;
  /** Window size [rows, columns] (512 × 512 at paper scale). */
  crop: [number, number];
  /** Step [rows, columns] (341 × 341 at paper scale). */
  stride: [number, number];
}

/**
 * Runs `logitsOf` on every window and returns the averaged HWC logits of the whole image.
 * @param logitsOf the model: a window → its `(y2−y1) * (x2−x1) * numClasses` logits, HWC
 * @throws Error when `logitsOf` returns the wrong number of values (a bug in the caller)
 * @example
 * ```ts
 * const out = await slideInference(
 *   { height: 1, width: 3, numClasses: 1, crop: [1, 2], stride: [1, 1] },
 *   (w) => new Float32Array(w.x2 - w.x1).fill(w.x1),
 * );
 * if (out.join() !== "0,0.5,1") throw new Error("overlaps must be averaged");
 * ```
 */
export async function slideInference(
  opts: SlideOptions,
  logitsOf: (w: Window) => Float32Array | Promise<Float32Array>,
): Promise<Float32Array> {
  const { height, width, numClasses: k } = opts;
  const sum = new Float32Array(height * width * k);
  const count = new Uint16Array(height * width);
  for (const w of slidingWindows(height, width, opts.crop, opts.stride)) {
    const logits = await logitsOf(w);
    const ww = w.x2 - w.x1;
    const want = (w.y2 - w.y1) * ww * k;
    if (logits.length !== want) {
      throw new Error(
        `slideInference: window ${JSON.stringify(w)} gave ${logits.length} logits, want ${want}`,
      );
    }
    for (let y = w.y1; y < w.y2; y++) {
      for (let x = w.x1; x < w.x2; x++) {
        const p = y * width + x;
        count[p]!++;
        const src = ((y - w.y1) * ww + (x - w.x1)) * k;
        for (let c = 0; c < k; c++) sum[p * k + c]! += logits[src + c]!;
      }
    }
  }
  for (let p = 0; p < height * width; p++) {
    const n = count[p]!;
    if (n === 0) throw new Error(`slideInference: pixel ${p} not covered (a bug)`);
    for (let c = 0; c < k; c++) sum[p * k + c]! /= n;
  }
  return sum;
}

/** Per-pixel argmax of HWC logits (ties: the lowest class, as `torch.argmax`'s first maximum). */
export function argmaxLogits(logits: Float32Array, numClasses: number): Uint8Array {
  if (numClasses < 1 || numClasses > 255) {
    throw new RangeError(`argmaxLogits: numClasses ${numClasses} not in [1, 255]`);
  }
  const n = logits.length / numClasses;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    let bestV = logits[p * numClasses]!;
    for (let c = 1; c < numClasses; c++) {
      const v = logits[p * numClasses + c]!;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[p] = best;
  }
  return out;
}
