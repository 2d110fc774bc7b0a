// The `--backend auto` rule as a pure function of the adapter's facts (no GPU needed), and on this
// machine's adapter where one exists: cpu on a software adapter (CI's Mesa lavapipe), while
// `--backend webgpu` still forces WebGPU.
import assert from "node:assert/strict";
import {
  type AdapterFacts,
  chooseAutoBackend,
  describeAutoChoice,
  initBackend,
  initBackendSelection,
  webGpuAdapterFacts,
} from "../../lib/ops/mod.ts";
import { tf } from "../../lib/tf.ts";
import { requireWebGpu } from "../_webgpu.ts";

/** What Deno reports for Mesa lavapipe (vendor 0x10005 = Mesa). */
const LAVAPIPE: AdapterFacts = {
  vendor: "65541",
  architecture: "",
  device: "0",
  description: "llvmpipe (LLVM 15.0.6, 256 bits)",
  isFallbackAdapter: true,
};

const SOFTWARE: [string, AdapterFacts][] = [
  ["lavapipe as Deno reports it", LAVAPIPE],
  ["llvmpipe without the fallback flag", { ...LAVAPIPE, isFallbackAdapter: false }],
  ["lavapipe by name", { vendor: "mesa", description: "Lavapipe" }],
  ["a fallback adapter with hardware-looking strings", {
    vendor: "4318",
    description: "NVIDIA H200",
    isFallbackAdapter: true,
  }],
  ["SwiftShader as Chrome reports it", { vendor: "google", architecture: "swiftshader" }],
  ["Microsoft's Basic Render Driver", {
    vendor: "5140",
    description: "Microsoft Basic Render Driver",
  }],
  ["an adapter that calls itself software", { description: "Software Adapter" }],
  ["an adapter of the CPU type", { vendor: "", architecture: "", device: "", description: "CPU" }],
];

const HARDWARE: [string, AdapterFacts][] = [
  ["NVIDIA as Deno reports it", {
    vendor: "4318",
    architecture: "",
    device: "8989",
    description: "NVIDIA H200",
    isFallbackAdapter: false,
  }],
  ["NVIDIA as Chrome reports it", { vendor: "nvidia", architecture: "ampere" }],
  ["Apple", { vendor: "apple", architecture: "metal-3" }],
  ["AMD through RADV", { vendor: "4098", description: "AMD Radeon RX 7900 XTX (RADV NAVI31)" }],
  ["Intel integrated", { vendor: "intel", description: "Intel(R) Iris(R) Xe Graphics" }],
  ["an adapter that reports nothing", {}],
];

Deno.test("auto rule: cpu without an adapter", () => {
  const c = chooseAutoBackend(null);
  assert.equal(c.backend, "cpu");
  assert.equal(c.reason, "no-adapter");
  assert.equal(describeAutoChoice(c, "cpu"), "backend auto -> cpu (no WebGPU adapter)");
});

Deno.test("auto rule: cpu on software and fallback adapters", () => {
  for (const [what, facts] of SOFTWARE) {
    const c = chooseAutoBackend(facts);
    assert.equal(c.backend, "cpu", what);
    assert.equal(c.reason, "software-adapter", what);
    assert.ok(c.evidence, what);
  }
});

Deno.test("auto rule: webgpu on hardware adapters", () => {
  for (const [what, facts] of HARDWARE) {
    const c = chooseAutoBackend(facts);
    assert.equal(c.backend, "webgpu", what);
    assert.equal(c.reason, "hardware-adapter", what);
  }
});

Deno.test("auto rule: the stderr line names the choice, the adapter, why, and the override", () => {
  const line = describeAutoChoice(chooseAutoBackend(LAVAPIPE), "cpu");
  assert.equal(
    line,
    'backend auto -> cpu (WebGPU adapter "llvmpipe (LLVM 15.0.6, 256 bits)" is a software ' +
      "renderer, going by its fallback-adapter flag; use --backend webgpu to force it)",
  );
  const byName = describeAutoChoice(
    chooseAutoBackend({ description: "llvmpipe (LLVM 15)" }),
    "cpu",
  );
  assert.match(byName, /software renderer, going by its description \("llvmpipe"\);/);
  const nvidia = chooseAutoBackend(HARDWARE[0]![1]);
  assert.equal(
    describeAutoChoice(nvidia, "webgpu"),
    'backend auto -> webgpu (WebGPU adapter "NVIDIA H200" is a hardware GPU)',
  );
  assert.match(describeAutoChoice(nvidia, "cpu"), /^backend auto -> cpu \(.*could not start/);
  assert.match(
    describeAutoChoice(chooseAutoBackend({ vendor: "nvidia", architecture: "ampere" }), "webgpu"),
    /adapter "nvidia ampere"/,
  );
});

Deno.test("initBackend('auto') on this machine's adapter: cpu on lavapipe, webgpu on hardware", async () => {
  if (!(await requireWebGpu("backend auto on this machine's adapter"))) return;
  const facts = await webGpuAdapterFacts();
  assert.ok(facts);
  const software = facts.isFallbackAdapter === true ||
    /llvmpipe|lavapipe/i.test(`${facts.description} ${facts.architecture}`);
  try {
    const sel = await initBackendSelection("auto");
    assert.equal(sel.backend, software ? "cpu" : "webgpu", JSON.stringify(facts));
    assert.equal(tf.getBackend(), sel.backend);
    assert.match(sel.autoChoice ?? "", new RegExp(`^backend auto -> ${sel.backend} \\(`));
    if (software) assert.match(sel.autoChoice ?? "", /software renderer/);
    // forcing still works on any adapter
    assert.equal(await initBackend("webgpu"), "webgpu");
    assert.equal(tf.getBackend(), "webgpu");
  } finally {
    await tf.setBackend("cpu");
  }
});

Deno.test("initBackendSelection() reports a reason only for auto", async () => {
  assert.deepEqual(await initBackendSelection("cpu"), { backend: "cpu", autoChoice: null });
});
