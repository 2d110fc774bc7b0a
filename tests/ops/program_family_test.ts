// The WebGPU program family as a per-call argument: explicit families win, "auto" follows the
// adapter's vendor (no GPU needed: a stand-in backend carries only adapterInfo).
import assert from "node:assert/strict";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  familyAttrs,
  familyOf,
  prefersLinePrograms,
} from "../../lib/ops/large_depthwise/program_family.ts";

function backendWithVendor(vendor: string | undefined): WebGPUBackend {
  return { adapterInfo: vendor === undefined ? undefined : { vendor } } as unknown as WebGPUBackend;
}

Deno.test("prefersLinePrograms(): explicit families win over the adapter", () => {
  for (const vendor of ["4318", "65541", undefined]) {
    assert.equal(prefersLinePrograms(backendWithVendor(vendor), "line"), true, `${vendor}`);
    assert.equal(prefersLinePrograms(backendWithVendor(vendor), "tile"), false, `${vendor}`);
  }
});

Deno.test("prefersLinePrograms(): auto is tile on hardware vendors, line elsewhere", () => {
  for (const vendor of ["4318", "nvidia", "AMD", "32902", "apple"]) {
    assert.equal(prefersLinePrograms(backendWithVendor(vendor), "auto"), false, vendor);
  }
  for (const vendor of ["65541", "mesa", "", undefined]) {
    assert.equal(prefersLinePrograms(backendWithVendor(vendor), "auto"), true, `${vendor}`);
  }
});

Deno.test("familyOf() reads op options and kernel attrs, defaulting to auto", () => {
  assert.equal(familyOf(undefined), "auto");
  assert.equal(familyOf({}), "auto");
  assert.equal(familyOf({ family: "tile", inputShape: [1, 2, 3, 4] }), "tile");
  assert.deepEqual(familyAttrs({}), { family: "auto" });
  assert.deepEqual(familyAttrs({ family: "line" }), { family: "line" });
});
