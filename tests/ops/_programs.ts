/**
 * Spy for the WebGPU op tests: which WebGPU programs a piece of code runs.
 *
 * @module
 */
import { tf } from "../../lib/tf.ts";

/** The shader keys of the WebGPU programs that `fn` runs on the active (webgpu) backend. */
export function programsRun(fn: () => void): string[] {
  const backend = tf.backend() as unknown as {
    runWebGPUProgram(program: { shaderKey: string }, ...rest: unknown[]): unknown;
  };
  const original = backend.runWebGPUProgram;
  const keys: string[] = [];
  backend.runWebGPUProgram = function (program, ...rest) {
    keys.push(program.shaderKey);
    return original.call(this, program, ...rest);
  };
  try {
    fn();
  } finally {
    backend.runWebGPUProgram = original;
  }
  return keys;
}
