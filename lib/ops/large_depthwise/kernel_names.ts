/**
 * Kernel names and input/attr shapes of the large-kernel depthwise conv trio. New names (never
 * tfjs's own `DepthwiseConv2dNative*`), so the stock kernels stay available as the A/B baseline.
 *
 * @module
 */

/** Forward: inputs {x [n,h,w,c], filter [kh,kw,c,1]} → y [n,h,w,c]. */
export const SLAK_DEPTHWISE = "SlakDepthwiseConv2d";
/** Data gradient: inputs {dy, filter}, attrs {inputShape} → dx. */
export const SLAK_DEPTHWISE_BACKPROP_INPUT = "SlakDepthwiseConv2dBackpropInput";
/** Filter gradient: inputs {x, dy}, attrs {filterShape} → dW [kh,kw,c,1]. */
export const SLAK_DEPTHWISE_BACKPROP_FILTER = "SlakDepthwiseConv2dBackpropFilter";
/**
 * Both gradients in one call (cpu only): inputs {x, dy, filter}, attrs {filterShape} → [dx, dW].
 */
export const SLAK_DEPTHWISE_GRAD = "SlakDepthwiseConv2dGrad";
