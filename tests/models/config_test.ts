import assert from "node:assert/strict";
import { applySet, parseSet } from "../../lib/config/layering.ts";
import { stageDims } from "../../lib/config/model_config.ts";
import { resolveModelConfig, resolveModelConfigWithFile } from "../../lib/models/mod.ts";
import { ConfigError } from "../../lib/util/errors.ts";

Deno.test("stageDims() floors after the width factor as the official code", () => {
  assert.deepEqual(stageDims({ dims: [96, 192, 384, 768], widthFactor: 1.3 }), [
    124,
    249,
    499,
    998,
  ]);
  assert.deepEqual(stageDims({ dims: [128, 256, 512, 1024], widthFactor: 1.3 }), [
    166,
    332,
    665,
    1331,
  ]);
});

Deno.test("parseSet() parses values as YAML", () => {
  assert.deepEqual(parseSet("kernelSizes=[61,59,57,13]").value, [61, 59, 57, 13]);
  assert.equal(parseSet("smallKernel=null").value, null);
  assert.equal(parseSet("sparsity=4e-1").value, 0.4);
  assert.equal(parseSet("bn=false").value, false);
  assert.throws(() => parseSet("novalue"), ConfigError);
});

Deno.test("applySet() is strict about paths and indexes", () => {
  const base = { a: 1, b: { c: [1, 2] } };
  assert.deepEqual(applySet(base, parseSet("b.c.1=5")), { a: 1, b: { c: [1, 5] } });
  assert.throws(() => applySet(base, parseSet("b.d=1")), /unknown field "b.d"/);
  assert.throws(() => applySet(base, parseSet("b.c.2=1")), /index "2"/);
  assert.deepEqual(base, { a: 1, b: { c: [1, 2] } });
});

Deno.test("resolveModelConfig() layers --set over the registry and validates", () => {
  const c = resolveModelConfig("slak_tiny", {
    sets: ["kernelSizes=[61,59,57,13]", "lkMode=dense"],
  });
  assert.deepEqual(c.kernelSizes, [61, 59, 57, 13]);
  assert.equal(c.arch === "slak" && c.lkMode, "dense");
  const bad: [string, RegExp][] = [
    ["kernelSizes=[61,59,57]", /kernelSizes/],
    ["kernelSizes=[60,59,57,13]", /odd/],
    ["sparsity=1", /sparsity/],
    ["lkMode=diagonal", /lkMode/],
    ["depths=[3,3,x,3]", /depths/],
    ["widthFactor=-1", /widthFactor/],
    ["smallKernel=null", /smallKernel/],
  ];
  for (const [set, re] of bad) {
    assert.throws(() => resolveModelConfig("slak_tiny", { sets: [set] }), re, set);
  }
  assert.throws(() => resolveModelConfig("convnext_tiny", { sets: ["bn=true"] }), /bn/);
  assert.throws(() => resolveModelConfig("slak_giant"), /Unknown model "slak_giant"; valid models/);
});

Deno.test("resolveModelConfigWithFile() reads YAML and rejects unknown keys naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ok = `${dir}/ok.yaml`;
    await Deno.writeTextFile(ok, "# ablation rung\nkernelSizes: [31, 29, 27, 13]\nsparsity: 0\n");
    const c = await resolveModelConfigWithFile("slak_tiny", {
      configFile: ok,
      sets: ["sparsity=0.5"],
    });
    assert.deepEqual(c.kernelSizes, [31, 29, 27, 13]);
    assert.equal(c.sparsity, 0.5);
    const typo = `${dir}/typo.yaml`;
    await Deno.writeTextFile(typo, "widht: 1.5\n");
    await assert.rejects(
      () => resolveModelConfigWithFile("slak_tiny", { configFile: typo }),
      (e: Error) =>
        e instanceof ConfigError && e.message.includes(typo) && e.message.includes("widht"),
    );
    await assert.rejects(
      () => resolveModelConfigWithFile("slak_tiny", { configFile: `${dir}/missing.yaml` }),
      /not found/,
    );
    const broken = `${dir}/broken.yaml`;
    await Deno.writeTextFile(broken, "kernelSizes: [31, 29\n");
    await assert.rejects(
      () => resolveModelConfigWithFile("slak_tiny", { configFile: broken }),
      /Cannot parse/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
