// Fidelity against the official PyTorch code: checkpoints made by tools/make_official_fixtures.py
// (official SLaK / ConvNeXt model files, random weights with non-trivial BN statistics, layer
// scale and 40 % zeros) must give the stored official logits (relative error < 1e-4).
import assert from "node:assert/strict";
import { validate } from "../../lib/config/layering.ts";
import { ModelConfigSchema } from "../../lib/config/model_config.ts";
import { readNpy, toFloat32 } from "../../lib/io/mod.ts";
import {
  buildModel,
  disposeModel,
  exportStateDict,
  loadStateDict,
  predictNchw,
  readWeightsFile,
} from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";

const ROOT = new URL("../fixtures/official/", import.meta.url).pathname;
const FIXTURES = ["slak_decomposed", "slak_dense", "slak_nobn", "convnext"];

function relError(a: Float32Array, ref: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - ref[i]!));
    den = Math.max(den, Math.abs(ref[i]!));
  }
  return num / den;
}

async function npy(path: string) {
  return readNpy(await Deno.readFile(path), path);
}

await initBackend("cpu");

for (const name of FIXTURES) {
  const dir = `${ROOT}${name}`;
  const fixture = JSON.parse(await Deno.readTextFile(`${dir}/fixture.json`));
  const config = validate(ModelConfigSchema, fixture.model, `${dir}/fixture.json`);
  const cases: [string, "auto" | "model_ema", string][] = [
    ["checkpoint.pth", "auto", "logits.npy"],
    ["checkpoint.pth", "model_ema", "logits_ema.npy"],
    ["state_dict.pth", "auto", "logits.npy"],
    ["model.safetensors", "auto", "logits.npy"],
  ];
  for (const [file, entry, ref] of cases) {
    Deno.test(`official ${name}: ${file} (${entry}) gives the official logits`, async () => {
      const weights = await readWeightsFile(`${dir}/${file}`, { entry });
      const model = buildModel(config, { zeros: true });
      try {
        loadStateDict(model, weights.state, file);
        const logits = await predictNchw(model, await npy(`${dir}/input.npy`));
        const expected = toFloat32(await npy(`${dir}/${ref}`));
        assert.equal(logits.length, expected.length);
        const err = relError(logits, expected);
        assert.ok(err < 1e-4, `relative error ${err}`);
      } finally {
        disposeModel(model);
      }
    });
  }
  Deno.test(`official ${name}: exportStateDict() round-trips the official tensors`, async () => {
    const weights = await readWeightsFile(`${dir}/model.safetensors`);
    const model = buildModel(config, { zeros: true });
    loadStateDict(model, weights.state, "model.safetensors");
    const back = await exportStateDict(model);
    assert.deepEqual([...back.keys()].sort(), [...weights.state.keys()].sort());
    for (const [k, t] of weights.state) {
      const b = back.get(k)!;
      assert.deepEqual(b.shape, t.shape, k);
      assert.deepEqual(Array.from(toFloat32(b)), Array.from(toFloat32(t)), k);
    }
    disposeModel(model);
  });
}
