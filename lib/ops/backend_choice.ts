/**
 * The `auto` backend rule as a pure function of what the WebGPU adapter says about itself:
 * WebGPU only on a hardware adapter. A software or fallback adapter (Mesa llvmpipe/lavapipe,
 * SwiftShader, Microsoft's Basic Render Driver, any adapter of the CPU device type) runs our
 * kernels slower than the plain-JS cpu kernels, so `auto` takes cpu there; `--backend webgpu`
 * still forces it.
 *
 * @module
 */

/** What a WebGPU adapter reports (GPUAdapterInfo's strings and the fallback flag). */
export interface AdapterFacts {
  vendor?: string | undefined;
  architecture?: string | undefined;
  device?: string | undefined;
  description?: string | undefined;
  /** GPUAdapter(Info).isFallbackAdapter: true for a software/CPU adapter. */
  isFallbackAdapter?: boolean | undefined;
}

/** Why `auto` chose as it did. */
export type AutoReason = "no-adapter" | "software-adapter" | "hardware-adapter";

/** The outcome of the `auto` rule. */
export interface AutoChoice {
  backend: "cpu" | "webgpu";
  reason: AutoReason;
  /** The adapter's name for messages (null without an adapter). */
  adapter: string | null;
  /** For a software adapter: what gave it away (see {@link softwareAdapterEvidence}). */
  evidence?: string;
}

// Names of software rasterisers, and words adapters of the CPU type use in their strings.
const SOFTWARE_WORDS =
  /\b(llvmpipe|lavapipe|softpipe|swiftshader|basic render driver|software|cpu)\b/i;

/** A short name for the adapter: its description, else vendor / architecture / device. */
export function adapterName(facts: AdapterFacts): string {
  const description = facts.description?.trim();
  if (description) return description;
  const parts = [facts.vendor, facts.architecture, facts.device]
    .map((p) => p?.trim() ?? "")
    .filter((p) => p !== "");
  return parts.length > 0 ? parts.join(" ") : "unnamed adapter";
}

/**
 * What shows the adapter to be a software one (`its fallback-adapter flag`, or `its description
 * ("llvmpipe")` for the field and word that name a software renderer), or null for what looks
 * like a hardware adapter.
 */
export function softwareAdapterEvidence(facts: AdapterFacts): string | null {
  if (facts.isFallbackAdapter === true) return "its fallback-adapter flag";
  for (const field of ["description", "architecture", "vendor", "device"] as const) {
    const m = SOFTWARE_WORDS.exec(facts[field] ?? "");
    if (m) return `its ${field} ("${m[0]}")`;
  }
  return null;
}

/** The `auto` rule: webgpu on a hardware adapter; cpu without an adapter or on a software one. */
export function chooseAutoBackend(facts: AdapterFacts | null): AutoChoice {
  if (facts === null) return { backend: "cpu", reason: "no-adapter", adapter: null };
  const adapter = adapterName(facts);
  const evidence = softwareAdapterEvidence(facts);
  if (evidence !== null) return { backend: "cpu", reason: "software-adapter", adapter, evidence };
  return { backend: "webgpu", reason: "hardware-adapter", adapter };
}

/**
 * One line for stderr, e.g. `backend auto -> cpu (WebGPU adapter "llvmpipe (LLVM 15.0.6, 256
 * bits)" is a software renderer, going by its fallback-adapter flag; use --backend webgpu to force
 * it)`. `chosen` is the backend actually set, which differs from the choice when tfjs could not
 * start WebGPU on a hardware adapter.
 */
export function describeAutoChoice(choice: AutoChoice, chosen: "cpu" | "webgpu"): string {
  const head = `backend auto -> ${chosen}`;
  switch (choice.reason) {
    case "no-adapter":
      return `${head} (no WebGPU adapter)`;
    case "software-adapter":
      return `${head} (WebGPU adapter "${choice.adapter}" is a software renderer, going by ` +
        `${choice.evidence}; use --backend webgpu to force it)`;
    case "hardware-adapter":
      return chosen === "webgpu"
        ? `${head} (WebGPU adapter "${choice.adapter}" is a hardware GPU)`
        : `${head} (WebGPU adapter "${choice.adapter}" found, but tfjs could not start its ` +
          `WebGPU backend on it)`;
  }
}
