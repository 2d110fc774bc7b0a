/**
 * Generates the WebAssembly SIMD module of the large-kernel depthwise conv, hand-assembled from
 * TypeScript (no toolchain; module framing from ../matmul/wasm_emitter.ts, instructions from
 * wasm_asm.ts).
 *
 * The kernels work on "planes": an NHWC activation regrouped as
 * [N][G][lenB][pad + lenA + pad][4V floats], one plane per (image, group of 4V channels), with the
 * long kernel axis A contiguous (tall kernels run along H, others along W; the regrouping does
 * the transpose) and pad = R − 1 zero pixels at both ends of every line. A pixel block holds V
 * f32x4 vectors (4V channels, zeros past C). Filters are [G][kB][kA][4V].
 *
 * Exports: `mem`, `pack` / `unpack` / `padLines` / `demote` (wasm_layout_functions.ts), `conv` / `dw`
 * (wasm_conv_functions.ts).
 *
 * @module
 */
import { type ImportedMemory, wasmModule } from "../matmul/wasm_emitter.ts";
import { convFunction, type DepthwiseTile, dwFunction } from "./wasm_conv_functions.ts";
import {
  demoteFunction,
  packFunction,
  padLinesFunction,
  unpackFunction,
} from "./wasm_layout_functions.ts";

export { type DepthwiseTile, linePad } from "./wasm_conv_functions.ts";

/**
 * Bytes of the module for one register tile; the memory is imported (`env.mem`) when `imported`
 * is given.
 */
export function depthwiseModuleBytes(
  t: DepthwiseTile,
  imported?: ImportedMemory,
): Uint8Array<ArrayBuffer> {
  if (!(t.r >= 1 && t.v >= 1 && 2 * t.r * t.v + t.v <= 15)) {
    throw new Error(`depthwise wasm: tile ${t.r}x${t.v} needs more than 15 vector registers`);
  }
  return wasmModule(
    [
      packFunction(t.v),
      unpackFunction(t.v),
      padLinesFunction(),
      demoteFunction(),
      convFunction(t),
      dwFunction(t),
    ],
    1,
    imported,
  );
}
