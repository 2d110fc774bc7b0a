/**
 * Backend selection with our kernels registered: "cpu", "webgpu" (forced; fails without an
 * adapter) or "auto" (WebGPU on a hardware adapter only, see backend_choice.ts).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { registerOps } from "./register_ops.ts";
import { type AdapterFacts, chooseAutoBackend, describeAutoChoice } from "./backend_choice.ts";
import { UserError } from "../util/errors.ts";

/** Backend names accepted by {@link initBackend}. */
export type BackendName = "cpu" | "webgpu" | "auto";

/** The backend {@link initBackendSelection} set, and for "auto" the line saying why. */
export interface BackendSelection {
  /** The tfjs backend now active. */
  backend: "cpu" | "webgpu";
  /** For "auto": e.g. `backend auto -> cpu (WebGPU adapter "llvmpipe ..." is ...)`; else null. */
  autoChoice: string | null;
}

interface AdapterLike {
  info?: AdapterFacts;
  isFallbackAdapter?: boolean;
}

/**
 * What the default WebGPU adapter says about itself, or null without navigator.gpu (Deno needs
 * --unstable-webgpu) or an adapter.
 */
export async function webGpuAdapterFacts(): Promise<AdapterFacts | null> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } })?.gpu;
  if (!gpu) return null;
  let adapter: AdapterLike | null;
  try {
    adapter = (await gpu.requestAdapter()) as AdapterLike | null;
  } catch {
    return null;
  }
  if (adapter == null) return null;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
  };
}

/** True when navigator.gpu exists and yields an adapter (Deno needs --unstable-webgpu). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  return (await webGpuAdapterFacts()) !== null;
}

async function startWebGpu(): Promise<boolean> {
  await import("@tensorflow/tfjs-backend-webgpu");
  return await tf.setBackend("webgpu").catch(() => false);
}

/**
 * Registers our kernels and selects a backend: "cpu"; "webgpu" (throws a UserError without an
 * adapter, whatever kind it is); "auto": webgpu on a hardware adapter, else cpu (no adapter, a
 * software/fallback adapter, or tfjs failing to start WebGPU), with the reason in `autoChoice`.
 */
export async function initBackendSelection(name: BackendName): Promise<BackendSelection> {
  registerOps();
  if (name === "cpu") {
    await tf.setBackend("cpu");
    return { backend: "cpu", autoChoice: null };
  }
  const facts = await webGpuAdapterFacts();
  if (name === "webgpu") {
    if (facts !== null && await startWebGpu()) return { backend: "webgpu", autoChoice: null };
    throw new UserError(
      "--backend webgpu: no WebGPU adapter (run Deno with --unstable-webgpu; install Mesa " +
        "vulkan drivers for a software adapter), or use --backend cpu|auto",
    );
  }
  const choice = chooseAutoBackend(facts);
  const backend = choice.backend === "webgpu" && await startWebGpu() ? "webgpu" : "cpu";
  if (backend === "cpu") await tf.setBackend("cpu");
  return { backend, autoChoice: describeAutoChoice(choice, backend) };
}

/** As {@link initBackendSelection}, returning only the backend chosen. */
export async function initBackend(name: BackendName): Promise<"cpu" | "webgpu"> {
  return (await initBackendSelection(name)).backend;
}
