/**
 * Kernel name of the fused decomposed large-kernel inference op.
 *
 * @module
 */

/** Inputs {x [n,h,w,c], kTall [M,N,c,1], kWide [N,M,c,1], bias [c]} → y [n,h,w,c]. */
export const SLAK_FUSED_DECOMPOSED = "SlakFusedDecomposedDepthwise";

/** Input names of {@link SLAK_FUSED_DECOMPOSED}, as its kernels read them. */
export const FUSED_DECOMPOSED_INPUTS = ["x", "kTall", "kWide", "bias"] as const;
