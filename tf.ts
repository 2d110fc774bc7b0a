/**
 * The tfjs instance slak uses (tfjs-core with the cpu and webgpu backends registered and slak's
 * kernels added), for scripts that build tensors for the models and ops of `mod.ts`.
 *
 * @example
 * ```ts
 * import { tf } from "./tf.ts";
 * const x = tf.zeros([1, 32, 32, 3]);
 * if (x.shape[3] !== 3) throw new Error();
 * ```
 *
 * @module
 */
export { tf, TFJS_VERSION } from "./lib/tf.ts";
