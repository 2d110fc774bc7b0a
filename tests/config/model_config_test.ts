import assert from "node:assert/strict";
import {
  fileAndSetOverrides,
  resolveModel,
  resolveModelConfig,
  resolveModelConfigWithFile,
  variantConfig,
} from "../../lib/models/resolve.ts";
import { ConfigError } from "../../lib/util/errors.ts";

Deno.test("resolveModelConfig() has no configFile option to ignore", () => {
  // @ts-expect-error: files go through resolveModelConfigWithFile (type check fails if re-added)
  const c = resolveModelConfig("slak_nano", { configFile: "/nonexistent.yaml" });
  // at run time the extra key is inert; the type above is what keeps callers honest
  assert.deepEqual(c, resolveModelConfig("slak_nano"));
});

Deno.test("resolveModel() layers file, object and --set overrides over any base", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-model-cfg-" });
  try {
    const file = `${dir}/m.yaml`;
    await Deno.writeTextFile(file, "kernelSizes: [9, 7, 5, 3]\nsparsity: 0.2\n");
    // an explicit base (e.g. the config stored with some weights), not a registry name
    const base = { ...variantConfig("slak_nano"), widthFactor: 2 };
    const c = resolveModel(base, await fileAndSetOverrides(file, ["sparsity=0.3"]), "weights");
    assert.deepEqual([c.kernelSizes, c.sparsity, c.widthFactor], [[9, 7, 5, 3], 0.3, 2]);
    const w = await resolveModelConfigWithFile("slak_nano", {
      configFile: file,
      overrides: { sparsity: 0.1 },
      sets: ["dropPath=0"],
    });
    assert.deepEqual([w.sparsity, w.dropPath], [0.1, 0]);
    // a bad value from the file: the message names the model and the file
    await Deno.writeTextFile(file, "kernelSizes: [4, 4, 4, 4]\n");
    await assert.rejects(
      () => resolveModelConfigWithFile("slak_nano", { configFile: file, sets: ["sparsity=0"] }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`model slak_nano with ${file} and --set: kernelSizes.0: `),
    );
    // dotted paths index arrays; a strict model config has no open paths
    assert.deepEqual(resolveModel(base, ["kernelSizes.0=11"], "w").kernelSizes.slice(0, 1), [11]);
    assert.throws(() => resolveModel(base, ["extra.x=1"], "w"), /unknown field "extra"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
