/**
 * A k×k convolution with stride k and no padding (the stem's 4×4/4 and the 2×2/2 downsampling) as
 * a matrix product over non-overlapping patches. Same maths as `tf.conv2d(x, w, k, "valid")` (rows
 * and columns past the last whole patch are ignored), but its gradients are matrix products too,
 * far faster than tfjs's generic conv backprop on the cpu backend. The patch matrix is one
 * space-to-depth copy on the cpu backend (no tfjs Transpose; ../ops/patchify).
 *
 * @module
 */
import { channelAffine, matMul2d, patchesOf } from "../ops/mod.ts";
import { tf } from "../tf.ts";

/** `conv2d(x, w, stride = k, 'valid') + bias` for w of shape [k, k, Cin, Cout], x NHWC. */
export function patchifyConv(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const [k, kw, cin, cout] = w.shape;
  if (k !== kw) throw new Error(`patchifyConv(): kernel must be square, got ${k}x${kw}`);
  const [n, h, wd, c] = x.shape;
  if (c !== cin) throw new Error(`patchifyConv(): input has ${c} channels, weight expects ${cin}`);
  const ho = Math.floor(h / k);
  const wo = Math.floor(wd / k);
  return tf.tidy(() => {
    const p = patchesOf(x, k);
    const y = channelAffine(
      matMul2d(p, tf.reshape(w, [k * k * cin, cout]) as tf.Tensor2D),
      null,
      bias,
    );
    return tf.reshape(y, [n, ho, wo, cout]) as tf.Tensor4D;
  });
}
