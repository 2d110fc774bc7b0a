// timm and Hugging Face transformers ConvNeXt checkpoints load into convnext_* models through the
// detected key remap. Fixtures: our own model's state_dict renamed to each layout (the renaming
// below is written from the other side, official → foreign, independently of the loader).
import assert from "node:assert/strict";
import {
  detectConvNeXtLayout,
  timmToOfficialKey,
  toOfficialConvNeXtKeys,
} from "../../lib/io/convnext_keys.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";
import { encodeSafetensors } from "../../lib/io/safetensors.ts";
import {
  buildModel,
  disposeModel,
  exportStateDict,
  loadStateDict,
  modelParamSpecs,
  predictNchw,
  readWeightsFile,
  resolveModelConfig,
} from "../../lib/models/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { DataError } from "../../lib/util/errors.ts";

await initBackend("cpu");

const config = resolveModelConfig("convnext_nano", {
  sets: ["depths=[1,1,2,1]", "dims=[8,16,24,32]", "numClasses=5"],
});

/** Official → timm, as timm's model names its modules. */
function toTimm(k: string): string {
  return k
    .replace(/^downsample_layers\.0\./, "stem.")
    .replace(/^downsample_layers\.(\d+)\./, "stages.$1.downsample.")
    .replace(/^stages\.(\d+)\.(\d+)\./, "stages.$1.blocks.$2.")
    .replace(/\.dwconv\./, ".conv_dw.")
    .replace(/\.pwconv([12])\./, ".mlp.fc$1.")
    .replace(/^norm\./, "head.norm.")
    .replace(/^head\.(weight|bias)$/, "head.fc.$1");
}

/** Official → Hugging Face transformers ConvNextForImageClassification. */
function toTransformers(k: string): string {
  let m: RegExpMatchArray | null;
  if ((m = k.match(/^downsample_layers\.0\.0\.(.+)$/))) {
    return `convnext.embeddings.patch_embeddings.${m[1]}`;
  }
  if ((m = k.match(/^downsample_layers\.0\.1\.(.+)$/))) {
    return `convnext.embeddings.layernorm.${m[1]}`;
  }
  if ((m = k.match(/^downsample_layers\.(\d+)\.(\d)\.(.+)$/))) {
    return `convnext.encoder.stages.${m[1]}.downsampling_layer.${m[2]}.${m[3]}`;
  }
  if ((m = k.match(/^stages\.(\d+)\.(\d+)\.(.+)$/))) {
    const part = m[3]!.replace(/^norm\./, "layernorm.").replace(/^gamma$/, "layer_scale_parameter");
    return `convnext.encoder.stages.${m[1]}.layers.${m[2]}.${part}`;
  }
  if ((m = k.match(/^norm\.(.+)$/))) return `convnext.layernorm.${m[1]}`;
  if ((m = k.match(/^head\.(.+)$/))) return `classifier.${m[1]}`;
  throw new Error(`no transformers name for ${k}`);
}

function renamed(
  state: Map<string, HostTensor>,
  rename: (k: string) => string,
  convMlp = false,
): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of state) {
    const conv = convMlp && /\.pwconv[12]\.weight$/.test(k);
    out.set(rename(k), conv ? { ...t, shape: [...t.shape, 1, 1] } : t);
  }
  return out;
}

function input(n: number): HostTensor {
  const data = new Float32Array(n * 3 * 32 * 32);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) + 0.1 * Math.cos(i * 0.011);
  return { dtype: "float32", shape: [n, 3, 32, 32], data };
}

async function withSafetensors<T>(
  state: Map<string, HostTensor>,
  f: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "slak-convnext-keys-" });
  try {
    const path = `${dir}/model.safetensors`;
    await Deno.writeFile(path, encodeSafetensors(state));
    return await f(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (
  const [name, rename, convMlp] of [
    ["timm", toTimm, false],
    ["timm conv_mlp (1x1 conv MLP weights)", toTimm, true],
    ["Hugging Face transformers", toTransformers, false],
  ] as const
) {
  Deno.test(`a ${name} ConvNeXt checkpoint loads into convnext_* with the same logits`, async () => {
    const src = buildModel(config, { seed: 11 });
    const dst = buildModel(config, { seed: 12 });
    try {
      const official = await exportStateDict(src);
      const foreign = renamed(official, rename, convMlp);
      // The fixture really is in the other layout: no official key is left.
      const officialKeys = new Set(official.keys());
      assert.ok([...foreign.keys()].every((k) => !officialKeys.has(k)));
      const x = input(2);
      const want = await predictNchw(src, x);
      const before = await predictNchw(dst, x);
      assert.ok(want.some((v, i) => Math.abs(v - before[i]!) > 1e-4), "seeds differ");
      await withSafetensors(foreign, async (path) => {
        const w = await readWeightsFile(path);
        assert.deepEqual([...w.state.keys()].sort(), [...officialKeys].sort());
        loadStateDict(dst, w.state, path);
      });
      const got = await predictNchw(dst, x);
      assert.deepEqual([...got], [...want]);
    } finally {
      disposeModel(src);
      disposeModel(dst);
    }
  });
}

Deno.test("detectConvNeXtLayout() leaves official and SLaK state dicts alone", () => {
  const slak = resolveModelConfig("slak_nano", { sets: ["depths=[1,1,1,1]", "dims=[4,4,4,4]"] });
  for (const c of [config, slak]) {
    const keys = modelParamSpecs(c).map((s) => s.name);
    assert.equal(detectConvNeXtLayout(keys), "official");
    const state = new Map(keys.map((k) => [k, { dtype: "float32", shape: [1], data: [0] }]));
    const r = toOfficialConvNeXtKeys(state as unknown as Map<string, HostTensor>);
    assert.equal(r.layout, "official");
    assert.equal(r.state, state);
  }
  assert.equal(detectConvNeXtLayout(["stem.0.weight"]), "timm");
  assert.equal(detectConvNeXtLayout(["embeddings.patch_embeddings.weight"]), "transformers");
  assert.equal(timmToOfficialKey("stages.2.blocks.10.mlp.fc2.bias"), "stages.2.10.pwconv2.bias");
  assert.equal(timmToOfficialKey("norm_pre.weight"), "norm_pre.weight");
});

Deno.test("a timm checkpoint with a part ConvNeXt lacks (norm_pre) is refused naming the key", async () => {
  const src = buildModel(config, { seed: 3 });
  try {
    const foreign = renamed(await exportStateDict(src), toTimm);
    const n = foreign.get("head.norm.weight")!;
    foreign.delete("head.norm.weight");
    foreign.set("norm_pre.weight", n);
    await withSafetensors(foreign, async (path) => {
      const w = await readWeightsFile(path);
      assert.throws(() => loadStateDict(src, w.state, path), (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /missing keys "norm\.weight"; unexpected keys "norm_pre\.weight"/);
        return true;
      });
    });
  } finally {
    disposeModel(src);
  }
});
