/**
 * GELU and its derivative on the WebAssembly SIMD module (wasm_gelu_module.ts): each call copies
 * its operands into the module's memory, runs the kernel and copies the result out. One instance,
 * its memory grown on demand. Both functions return `null` when WebAssembly SIMD is unavailable or
 * the operands do not fit; callers then use the scalar formula (gelu_math.ts).
 *
 * @module
 */
import { lazyWasmExports } from "../_cpu/wasm_module.ts";
import { geluModuleBytes } from "./wasm_gelu_module.ts";

type Fn = (...args: number[]) => void;

interface Exports {
  mem: WebAssembly.Memory;
  gelu: Fn;
  geluGrad: Fn;
  geluTrain: Fn;
}

const module = lazyWasmExports<Exports>(geluModuleBytes);

/** Whether the wasm GELU kernels run here. */
export function wasmGeluSupported(): boolean {
  return module() !== null;
}

const MAX_BYTES = 2 ** 32 - 2 ** 16;

/** Byte offsets of `arrays` regions of `count` floats (padded to 16 bytes), or null. */
function regions(ex: Exports, count: number, arrays: number): number[] | null {
  const bytes = Math.ceil(count / 4) * 16;
  const need = 64 + arrays * bytes;
  if (need > MAX_BYTES) return null;
  const have = ex.mem.buffer.byteLength;
  if (need > have) {
    try {
      ex.mem.grow(Math.ceil((need - have) / 65536));
    } catch {
      return null;
    }
  }
  return Array.from({ length: arrays }, (_, i) => 64 + i * bytes);
}

function stage(ex: Exports, src: Float32Array, at: number): void {
  const view = new Float32Array(ex.mem.buffer, at, Math.ceil(src.length / 4) * 4);
  view.set(src);
  view.fill(0, src.length);
}

function readBack(ex: Exports, at: number, count: number): Float32Array {
  return new Float32Array(ex.mem.buffer, at, count).slice();
}

/** y = GELU(x) elementwise, or null when the wasm path is unavailable. */
export function geluWasm(x: Float32Array): Float32Array | null {
  const ex = module();
  if (ex === null) return null;
  const at = regions(ex, x.length, 2);
  if (at === null) return null;
  const [src, dst] = at as [number, number];
  stage(ex, x, src);
  ex.gelu(src, dst, Math.ceil(x.length / 4) * 4);
  return readBack(ex, dst, x.length);
}

/** dx = dy · GELU′(x) elementwise, or null when the wasm path is unavailable. */
export function geluGradWasm(x: Float32Array, dy: Float32Array): Float32Array | null {
  const ex = module();
  if (ex === null) return null;
  const at = regions(ex, x.length, 3);
  if (at === null) return null;
  const [xs, ds, dst] = at as [number, number, number];
  stage(ex, x, xs);
  stage(ex, dy, ds);
  ex.geluGrad(xs, ds, dst, Math.ceil(x.length / 4) * 4);
  return readBack(ex, dst, x.length);
}

/**
 * [GELU(x), GELU′(x)] elementwise in one pass (the training forward keeps the slope for the
 * backward), or null when the wasm path is unavailable.
 */
export function geluTrainWasm(x: Float32Array): [Float32Array, Float32Array] | null {
  const ex = module();
  if (ex === null) return null;
  const at = regions(ex, x.length, 3);
  if (at === null) return null;
  const [src, dst, slope] = at as [number, number, number];
  stage(ex, x, src);
  ex.geluTrain(src, dst, slope, Math.ceil(x.length / 4) * 4);
  return [readBack(ex, dst, x.length), readBack(ex, slope, x.length)];
}

/**
 * Like {@link geluTrainWasm} (or {@link geluWasm} when `train` is false: no slope, `[y]`) over
 * `count` values that `fill` writes straight into the module's input buffer (a view of exactly
 * `count` floats), so a producer (a matmul epilogue adding its bias) needs no array of its own.
 * The slope goes into `slopeOut` (at least `count` floats) when given. Null when the wasm path
 * is unavailable (then `fill` is not called).
 */
export function geluWasmFilled(
  count: number,
  train: boolean,
  fill: (dst: Float32Array) => void,
  slopeOut?: Float32Array,
): Float32Array[] | null {
  const ex = module();
  if (ex === null) return null;
  const at = regions(ex, count, train ? 3 : 2);
  if (at === null) return null;
  const [src, dst, slope] = at as [number, number, number];
  const padded = Math.ceil(count / 4) * 4;
  const view = new Float32Array(ex.mem.buffer, src, padded);
  fill(view.subarray(0, count));
  view.fill(0, count);
  if (!train) {
    ex.gelu(src, dst, padded);
    return [readBack(ex, dst, count)];
  }
  ex.geluTrain(src, dst, slope, padded);
  const y = readBack(ex, dst, count);
  if (slopeOut === undefined) return [y, readBack(ex, slope, count)];
  slopeOut.set(new Float32Array(ex.mem.buffer, slope, count));
  return [y, slopeOut];
}
