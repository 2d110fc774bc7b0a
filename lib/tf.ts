/**
 * The one tfjs instance the toolkit uses. Every module imports `tf` from here, never from
 * `@tensorflow/tfjs-core` directly, so that exactly one copy of the engine (and its kernel
 * registry) exists in a process.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export { tf };

/** Version of tfjs-core in use (recorded in every run's meta.json). */
export const TFJS_VERSION: string = tf.version_core;
