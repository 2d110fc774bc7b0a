import assert from "node:assert/strict";
import {
  countModel,
  modelParamSpecs,
  resolveModelConfig,
  stageMaps,
} from "../../lib/models/mod.ts";

const M = 1e6;
const G = 1e9;

Deno.test("countModel() reproduces ConvNeXt-T: 28,589,128 params, 4.456 GMACs", () => {
  const c = countModel(resolveModelConfig("convnext_tiny"));
  assert.equal(c.params.dense, 28_589_128);
  assert.equal(c.params.nonzero, 28_589_128);
  assert.equal((c.macs.dense / G).toFixed(3), "4.456");
});

Deno.test("countModel() reproduces SLaK-T: 50,703,838 dense, 30.47M non-zero, 8.70/5.22 GMACs", () => {
  const c = countModel(resolveModelConfig("slak_tiny"));
  assert.equal(c.params.dense, 50_703_838);
  assert.equal((c.params.nonzero / M).toFixed(2), "30.47");
  assert.equal((c.macs.dense / G).toFixed(2), "8.70");
  assert.equal((c.macs.sparse / G).toFixed(2), "5.22");
});

Deno.test("countModel() reproduces SLaK-S: 91,131,820 dense, 54.8M non-zero", () => {
  const c = countModel(resolveModelConfig("slak_small"));
  assert.equal(c.params.dense, 91_131_820);
  assert.equal((c.params.nonzero / M).toFixed(1), "54.8");
});

Deno.test("countModel() reproduces SLaK-B: 157,950,792 dense, 94.9M, 17.1 G sparse, 50.3 G at 384", () => {
  const cfg = resolveModelConfig("slak_base");
  const c = countModel(cfg);
  assert.equal(c.params.dense, 157_950_792);
  assert.equal((c.params.nonzero / M).toFixed(1), "94.9");
  assert.equal((c.macs.sparse / G).toFixed(1), "17.1");
  assert.equal((countModel(cfg, [384, 384]).macs.sparse / G).toFixed(1), "50.3");
});

Deno.test("countModel() matches the kernel-efficiency table (spec §3.3) for full vs decomposed", () => {
  // ConvNeXt-T with every stage at K: full K×K (convnext dw with bias) vs decomposed K×5+5×K+5×5.
  const cases: [number, string, string, string, string][] = [
    [31, "34.63", "6.41", "30.52", "5.07"],
    [51, "45.49", "9.93", "31.84", "5.50"],
    [151, "179.30", "53.26", "38.47", "7.64"],
  ];
  for (const [k, fp, fm, dp, dm] of cases) {
    const full = countModel(
      resolveModelConfig("convnext_tiny", { sets: [`kernelSizes=[${k},${k},${k},${k}]`] }),
    );
    assert.equal((full.params.dense / M).toFixed(2), fp);
    assert.equal((full.macs.dense / G).toFixed(2), fm);
    const dec = countModel(resolveModelConfig("slak_tiny", {
      sets: [`kernelSizes=[${k},${k},${k},${k}]`, "widthFactor=1", "sparsity=0"],
    }));
    assert.equal((dec.params.dense / M).toFixed(2), dp);
    assert.equal((dec.macs.dense / G).toFixed(2), dm);
  }
});

Deno.test("stageMaps() follows the stem and downsampling arithmetic", () => {
  assert.deepEqual(stageMaps(224, 224), [[56, 56], [28, 28], [14, 14], [7, 7]]);
  assert.deepEqual(stageMaps(64, 48), [[16, 12], [8, 6], [4, 3], [2, 1]]);
});

Deno.test("modelParamSpecs() uses the official state_dict keys", () => {
  const names = new Set(modelParamSpecs(resolveModelConfig("slak_tiny")).map((s) => s.name));
  for (
    const k of [
      "downsample_layers.0.0.weight",
      "downsample_layers.0.1.bias",
      "downsample_layers.3.1.weight",
      "stages.0.0.large_kernel.LoRA1.conv.weight",
      "stages.0.0.large_kernel.LoRA1.bn.running_mean",
      "stages.0.0.large_kernel.LoRA2.bn.num_batches_tracked",
      "stages.3.2.large_kernel.small_conv.conv.weight",
      "stages.2.8.pwconv2.bias",
      "stages.2.8.gamma",
      "norm.weight",
      "head.bias",
    ]
  ) assert.ok(names.has(k), k);
  const cn = new Set(modelParamSpecs(resolveModelConfig("convnext_tiny")).map((s) => s.name));
  assert.ok(cn.has("stages.0.0.dwconv.weight") && cn.has("stages.0.0.dwconv.bias"));
  const dense = new Set(
    modelParamSpecs(resolveModelConfig("slak_tiny", { sets: ["lkMode=dense"] })).map((s) => s.name),
  );
  assert.ok(dense.has("stages.1.0.large_kernel.lkb_origin.conv.weight"));
  assert.ok(!dense.has("stages.1.0.large_kernel.LoRA1.conv.weight"));
});
