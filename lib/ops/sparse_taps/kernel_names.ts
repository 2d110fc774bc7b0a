/**
 * Kernel name of the sparse-tap depthwise op (one name; a cpu and a webgpu kernel config).
 *
 * @module
 */
import type { TapList } from "./tap_list.ts";

/** Inputs {x [n,h,w,c], bias [c]}, attrs {taps} → y [n,h,w,c]. */
export const SLAK_SPARSE_TAPS = "SlakSparseTapDepthwise";

/** The attrs of {@link SLAK_SPARSE_TAPS}. */
export interface SparseTapAttrs {
  taps: TapList;
}
