// Every user error exits non-zero with one clear line on stderr (no stack trace) and leaves no
// partial output file.
import assert from "node:assert/strict";
import { encodeNpy, encodeSafetensors } from "../../lib/io/mod.ts";
import { exists } from "../../lib/util/stat.ts";
import { ownLines, runCli } from "./_run.ts";

const FIX = new URL("../fixtures/official/slak_decomposed/", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "slak-cli-" });
// Shared by every test of this file: removed when the test process ends.
globalThis.addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));
const fixtureModel = `${tmp}/fixture_model.json`;
await Deno.writeTextFile(
  fixtureModel,
  JSON.stringify(JSON.parse(await Deno.readTextFile(`${FIX}fixture.json`)).model),
);

async function expectError(args: string[], pattern: RegExp, output?: string) {
  const r = await runCli(args);
  assert.notEqual(r.code, 0, `exit code for ${args.join(" ")}`);
  const lines = ownLines(r.stderr);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.ok(!/\bat .*\.ts:\d+/.test(r.stderr), "no stack trace");
  if (output) assert.ok(!(await exists(output)), `no partial ${output}`);
}

const infer = (extra: string[], out = `${tmp}/out.npy`) => [
  "infer",
  "--backend",
  "cpu",
  "--out",
  out,
  ...extra,
];

Deno.test("slak count: unknown model lists the valid ones", async () => {
  await expectError(
    ["count", "slak_huge"],
    /Unknown model "slak_huge"; valid models: .*"slak_tiny"/,
  );
});

Deno.test("slak count: bad --set path and value", async () => {
  await expectError(
    ["count", "slak_tiny", "--set", "kernel=3"],
    /unknown field "kernel"; valid fields/,
  );
  await expectError(
    ["count", "slak_tiny", "--set", "lkMode=full"],
    /lkMode: must be "dense" or "decomposed"/,
  );
  await expectError(["count", "slak_tiny", "--set", "kernelSizes=[3,5]"], /kernelSizes/);
});

Deno.test("slak count: missing and malformed config files", async () => {
  await expectError(
    ["count", "slak_tiny", "--config", `${tmp}/nope.yaml`],
    /Config file not found: .*nope.yaml/,
  );
  const bad = `${tmp}/bad.yaml`;
  await Deno.writeTextFile(bad, "depths: [3, 3\n");
  await expectError(["count", "slak_tiny", "--config", bad], /Cannot parse config file .*bad.yaml/);
});

Deno.test("slak infer: missing, malformed and ill-fitting weights", async () => {
  const input = `${FIX}input.npy`;
  await expectError(
    infer(["slak_nano", "--weights", `${tmp}/none.pth`, "--input", input]),
    /Weights file not found/,
    `${tmp}/out.npy`,
  );
  const junk = `${tmp}/junk.pth`;
  await Deno.writeFile(junk, new TextEncoder().encode("this is not a checkpoint"));
  await expectError(
    infer(["slak_nano", "--weights", junk, "--input", input]),
    /junk.pth/,
    `${tmp}/out.npy`,
  );
  await expectError(
    infer(["slak_nano", "--weights", `${FIX}checkpoint.pth`, "--input", input]),
    /do not fit the model: missing keys/,
    `${tmp}/out.npy`,
  );
  // one tensor with a wrong shape
  const st = encodeSafetensors([["head.weight", {
    dtype: "float32",
    shape: [2, 2],
    data: new Float32Array(4),
  }]]);
  const wrong = `${tmp}/wrong.safetensors`;
  await Deno.writeFile(wrong, st);
  await expectError(
    infer(["slak_nano", "--weights", wrong, "--input", input]),
    /wrong.safetensors do not fit the model/,
    `${tmp}/out.npy`,
  );
});

Deno.test("slak infer: .npy of the wrong dtype or shape", async () => {
  const w = `${FIX}model.safetensors`;
  const f64 = `${tmp}/f64.npy`;
  await Deno.writeFile(
    f64,
    encodeNpy({ dtype: "float64", shape: [1, 3, 64, 64], data: new Float64Array(3 * 64 * 64) }),
  );
  await expectError(
    infer(["slak_tiny", "--config", fixtureModel, "--weights", w, "--input", f64]),
    /f64.npy has dtype float64, expected float32/,
    `${tmp}/out.npy`,
  );
  const ch = `${tmp}/ch.npy`;
  await Deno.writeFile(
    ch,
    encodeNpy({ dtype: "float32", shape: [1, 1, 64, 64], data: new Float32Array(64 * 64) }),
  );
  await expectError(
    infer(["slak_tiny", "--config", fixtureModel, "--weights", w, "--input", ch]),
    /ch.npy has shape \[1,1,64,64\], expected float32 \[N, 3, H, W\]/,
    `${tmp}/out.npy`,
  );
  await expectError(
    infer(["slak_tiny", "--config", fixtureModel, "--weights", w, "--input", `${tmp}/missing.npy`]),
    /Input file not found/,
    `${tmp}/out.npy`,
  );
});

Deno.test("slak infer: no MODEL and no config in the weights", async () => {
  await expectError(
    infer(["--weights", `${FIX}model.safetensors`, "--input", `${FIX}input.npy`]),
    /No MODEL given .* carries no model config/,
  );
});

for (const merge of ["on", "off"]) {
  Deno.test(`slak infer --merge ${merge}: an official checkpoint gives the official logits`, async () => {
    const out = `${tmp}/logits-${merge}.npy`;
    const r = await runCli(infer(
      [
        "slak_tiny",
        "--config",
        fixtureModel,
        "--weights",
        `${FIX}checkpoint.pth`,
        "--input",
        `${FIX}input.npy`,
        "--merge",
        merge,
      ],
      out,
    ));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.includes("merged the large-kernel branches"), merge === "on");
    const { readNpy, toFloat32 } = await import("../../lib/io/mod.ts");
    const got = toFloat32(readNpy(await Deno.readFile(out)));
    const ref = toFloat32(readNpy(await Deno.readFile(`${FIX}logits.npy`)));
    for (let i = 0; i < ref.length; i++) {
      assert.ok(Math.abs(got[i]! - ref[i]!) < 1e-4 * Math.abs(ref[i]!) + 1e-5);
    }
  });
}

Deno.test("slak count --json has the documented fields", async () => {
  const r = await runCli(["count", "slak_tiny", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.model, "slak_tiny");
  assert.equal(j.inputSize, 224);
  assert.equal(j.params.dense, 50_703_838);
  assert.ok(j.macs.sparse > 5.2e9 && j.macs.sparse < 5.25e9);
  assert.equal(j.stages.length, 5);
});
