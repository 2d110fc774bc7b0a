/**
 * WebGPU availability for tests. CI installs Mesa (lavapipe), so there a missing adapter is a
 * failure, not a skip; elsewhere WebGPU tests skip loudly (one line on stderr).
 *
 * @module
 */

let cached: Promise<boolean> | undefined;

/** Whether navigator.gpu yields an adapter (Deno needs --unstable-webgpu). */
export function webgpuAdapterExists(): Promise<boolean> {
  cached ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } })?.gpu;
    if (!gpu) return false;
    try {
      return (await gpu.requestAdapter()) != null;
    } catch {
      return false;
    }
  })();
  return cached;
}

/**
 * Call at the start of a WebGPU test: resolves true when an adapter exists. Without one it
 * throws when env CI=true (the test fails), else logs a SKIP line to stderr and resolves false
 * (the caller returns early).
 */
export async function requireWebGpu(testName: string): Promise<boolean> {
  if (await webgpuAdapterExists()) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error(
      `${testName}: no WebGPU adapter but CI=true (install Mesa vulkan drivers, run with --unstable-webgpu)`,
    );
  }
  console.error(
    `SKIP ${testName}: no WebGPU adapter (run with --unstable-webgpu and Mesa installed)`,
  );
  return false;
}
