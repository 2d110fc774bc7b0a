// Weight layouts (PyTorch ↔ tfjs permutations) and the strict key/shape check that the plain and
// the merged loaders share, including safe quoting of keys read from a file.
import assert from "node:assert/strict";
import {
  checkMergedStateDict,
  checkStateDict,
  mergedParamSpecs,
  modelParamSpecs,
  permute,
  resolveModelConfig,
} from "../../lib/models/mod.ts";
import { tfToTorch, torchToTf } from "../../lib/models/layout.ts";
import type { HostTensor } from "../../lib/io/mod.ts";
import type { ParamSpec } from "../../lib/models/mod.ts";
import { DataError } from "../../lib/util/errors.ts";
import { numel } from "../../lib/util/shape.ts";

Deno.test("permute() moves NCHW to NHWC and torchToTf/tfToTorch undo each other", () => {
  // x[n][c][p] = 100n + 10c + p for N=2, C=2, H=1, W=3
  const nchw = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
  assert.deepEqual(
    [...permute(nchw, [2, 2, 1, 3], [0, 2, 3, 1])],
    [0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112],
  );
  assert.deepEqual(torchToTf("conv"), [2, 3, 1, 0]);
  assert.deepEqual(tfToTorch("dwconv"), [3, 2, 0, 1]);
  assert.deepEqual(torchToTf("linear"), [1, 0]);
  assert.equal(torchToTf("bias"), undefined);
  // an OIHW [4, 3, 2, 5] kernel to tfjs and back is the same array
  const torchShape = [4, 3, 2, 5];
  const w = Float32Array.from({ length: numel(torchShape) }, (_, i) => i);
  const tfShape = torchToTf("conv")!.map((p) => torchShape[p]!);
  assert.deepEqual(tfShape, [2, 5, 3, 4]);
  const back = permute(permute(w, torchShape, torchToTf("conv")!), tfShape, tfToTorch("conv")!);
  assert.deepEqual([...back], [...w]);
});

function fittingState(specs: readonly ParamSpec[]): Map<string, HostTensor> {
  return new Map(specs.map((s) => [s.name, {
    dtype: "float32" as const,
    shape: [...s.torchShape],
    data: new Float32Array(numel(s.torchShape)),
  }]));
}

function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
    return e;
  }
  throw new Error("expected a DataError");
}

Deno.test("a merged state_dict is checked like a plain one: hostile keys are escaped", () => {
  const config = resolveModelConfig("slak_nano");
  const specs = mergedParamSpecs(config, "two-kernels");
  const state = fittingState(specs);
  assert.deepEqual(checkMergedStateDict(config, "two-kernels", state, "m.safetensors"), specs);
  state.set("\x1b[2Jevil", state.get(specs[0]!.name)!);
  const e = dataError(() => checkMergedStateDict(config, "two-kernels", state, "m.safetensors"));
  assert.match(e.message, /^Weights m\.safetensors do not fit the model: unexpected keys /);
  assert.ok(e.message.includes('"\\x1b[2Jevil"'), e.message);
  assert.ok(!e.message.includes("\x1b"), "no raw escape character reaches the terminal");
  assert.match(e.message, /\(merged two-kernels model: arch slak/);
  // a wrong shape names the key and the expected PyTorch shape
  state.delete("\x1b[2Jevil");
  const bias = specs.find((s) => s.kind === "bias")!;
  state.set(bias.name, { dtype: "float32", shape: [1], data: new Float32Array(1) });
  const e2 = dataError(() => checkMergedStateDict(config, "two-kernels", state, "m.safetensors"));
  assert.ok(e2.message.includes(`key "${bias.name}" has shape [1], expected [${bias.torchShape}]`));
});

Deno.test("checkStateDict() accepts a missing num_batches_tracked and names the model", () => {
  const config = resolveModelConfig("slak_nano");
  const specs = modelParamSpecs(config);
  const state = fittingState(specs.filter((s) => s.kind !== "bn_count"));
  assert.ok(specs.some((s) => s.kind === "bn_count"));
  checkStateDict(config, state, "p.pth");
  state.delete("head.weight");
  const e = dataError(() => checkStateDict(config, state, "p.pth"));
  assert.match(e.message, /^Weights p\.pth do not fit the model: missing keys "head\.weight" /);
  assert.ok(
    e.message.endsWith(`dims [${config.dims}] x ${config.widthFactor})`),
    `names the expected model: ${e.message}`,
  );
});
