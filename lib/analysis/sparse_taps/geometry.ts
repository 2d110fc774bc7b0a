/**
 * Re-exports of the depthwise geometry helpers of lib/ops that the sparse-tap path uses.
 *
 * @module
 */
export { depthwiseGeometry } from "../../ops/mod.ts";
export { effectiveTaps1d as effectiveTaps1dOf } from "../../ops/large_depthwise/geometry.ts";
