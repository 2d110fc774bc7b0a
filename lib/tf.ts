/**
 * The one tfjs instance the toolkit uses. Every module imports `tf` from here, never from
 * `@tensorflow/tfjs-core` directly, so that exactly one copy of the engine (and its kernel
 * registry) exists in a process.
 *
 * tfjs-core's Node bundle ships no gradient configs; the `@tensorflow/tfjs` union package
 * registers them (on the same tfjs-core instance) when imported, so it is imported here for that
 * side effect only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs";

// tfjs prints a "use tfjs-node" banner under Node-like runtimes; it is noise for a CLI.
tf.env().set("IS_NODE", false);

/** The tfjs-core namespace, with the cpu and webgpu backends registered. */
export { tf };

/** Version of tfjs-core in use (recorded in every run's meta.json). */
export const TFJS_VERSION: string = tf.version_core;
