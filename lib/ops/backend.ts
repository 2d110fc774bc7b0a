/**
 * Backend selection with our kernels registered.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { registerOps } from "./register_ops.ts";
import { UserError } from "../util/errors.ts";

/** Backend names accepted by {@link initBackend}. */
export type BackendName = "cpu" | "webgpu" | "auto";

/** True when navigator.gpu exists and yields an adapter (Deno needs --unstable-webgpu). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } })?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/**
 * Registers our kernels and selects a backend: "cpu", "webgpu" (throws without an adapter) or
 * "auto" (webgpu when an adapter exists, else cpu). Returns the backend chosen.
 */
export async function initBackend(name: BackendName): Promise<"cpu" | "webgpu"> {
  registerOps();
  if (name === "cpu") {
    await tf.setBackend("cpu");
    return "cpu";
  }
  if (await hasWebGpuAdapter()) {
    await import("@tensorflow/tfjs-backend-webgpu");
    const ok = await tf.setBackend("webgpu").catch(() => false);
    if (ok) return "webgpu";
  }
  if (name === "webgpu") {
    throw new UserError(
      "--backend webgpu: no WebGPU adapter (run Deno with --unstable-webgpu; install Mesa " +
        "vulkan drivers for a software adapter), or use --backend cpu|auto",
    );
  }
  await tf.setBackend("cpu");
  return "cpu";
}
