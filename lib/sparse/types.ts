/**
 * Shared types of the sparse-training toolkit.
 *
 * Layer names are the official PyTorch state_dict names (`stages.0.0.pwconv1.weight`); shapes are
 * in tfjs layout ([kh, kw, in, out] for convs, [kh, kw, C, 1] depthwise, [in, out] linear). A
 * host-side mask is a `Uint8Array` of 0/1 in the weight's row-major element order, with as many
 * elements as the weight.
 *
 * @module
 */

/** Weight shapes by layer name (iteration order = the model's parameter order). */
export type ShapeMap = ReadonlyMap<string, readonly number[]>;

/** Host-side 0/1 masks by layer name. */
export type MaskMap = Map<string, Uint8Array>;

/** Layer-wise densities (fraction of active weights, in [0, 1]) by layer name. */
export type DensityMap = Map<string, number>;
