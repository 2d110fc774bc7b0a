// The three commands end to end on an official-code fixture: reparam → infer without MODEL gives
// the official logits; erf writes its files; weights that do not fit fail with one clear line.
import assert from "node:assert/strict";
import { readNpy, toFloat32 } from "../../lib/io/mod.ts";
import { ownLines, runCli } from "../cli/_run.ts";
import { relError } from "./_helpers.ts";

const FX = new URL("../fixtures/official/slak_decomposed/", import.meta.url).pathname;

Deno.test("slak reparam + infer (no MODEL) + erf work on an official checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fixture = JSON.parse(await Deno.readTextFile(`${FX}fixture.json`));
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(fixture.model));
    const merged = `${dir}/merged.safetensors`;
    const r1 = await runCli([
      "reparam",
      "slak_nano",
      "--config",
      `${dir}/model.json`,
      "--weights",
      `${FX}checkpoint.pth`,
      "--out",
      merged,
      "--backend",
      "cpu",
      "--quiet",
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await runCli([
      "infer",
      "--weights",
      merged,
      "--input",
      `${FX}input.npy`,
      "--out",
      `${dir}/y.npy`,
      "--backend",
      "cpu",
      "--quiet",
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const y = toFloat32(readNpy(await Deno.readFile(`${dir}/y.npy`)));
    const ref = toFloat32(readNpy(await Deno.readFile(`${FX}logits.npy`)));
    assert.ok(relError(y, ref) < 1e-5, `relative error ${relError(y, ref)}`);

    const r3 = await runCli([
      "erf",
      "slak_nano",
      "--config",
      `${dir}/model.json`,
      "--weights",
      `${FX}checkpoint.pth`,
      "--input",
      `${FX}input.npy`,
      "--out",
      `${dir}/erf`,
      "--backend",
      "cpu",
    ]);
    assert.equal(r3.code, 0, r3.stderr);
    const info = JSON.parse(await Deno.readTextFile(`${dir}/erf/erf.json`));
    assert.deepEqual(Object.keys(info.areaRatio), ["0.2", "0.3", "0.5", "0.99"]);
    const map = readNpy(await Deno.readFile(`${dir}/erf/erf.npy`));
    assert.equal(map.shape.length, 2);
    const png = await Deno.readFile(`${dir}/erf/erf.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"

    // without weights the command says it measures the initialization
    const r4 = await runCli([
      "erf",
      "slak_nano",
      "--config",
      `${dir}/model.json`,
      "--input",
      `${FX}input.npy`,
      "--out",
      `${dir}/erf0`,
      "--backend",
      "cpu",
    ]);
    assert.equal(r4.code, 0, r4.stderr);
    assert.match(r4.stderr, /initialization/);
    const r5 = await runCli([
      "erf",
      "--compare",
      `${dir}/erf`,
      `${dir}/erf0`,
      "--out",
      `${dir}/cmp`,
    ]);
    assert.equal(r5.code, 0, r5.stderr);
    assert.match(r5.stdout, /r\(0\.99\)/);
    await Deno.stat(`${dir}/cmp/compare.png`);

    // weights for another kernel list: one clear line naming the key and the expected shape
    const r6 = await runCli([
      "reparam",
      "slak_nano",
      "--config",
      `${dir}/model.json`,
      "--set",
      "kernelSizes=[15,11,7,5]",
      "--weights",
      `${FX}checkpoint.pth`,
      "--out",
      `${dir}/bad.safetensors`,
      "--backend",
      "cpu",
    ]);
    assert.notEqual(r6.code, 0);
    const lines = ownLines(r6.stderr);
    assert.equal(lines.length, 1, r6.stderr);
    assert.match(lines[0]!, /LoRA1\.conv\.weight.*expected \[10,1,15,3\]/);
    // an ERF of merged weights is refused clearly
    const r7 = await runCli([
      "erf",
      "--weights",
      merged,
      "--input",
      `${FX}input.npy`,
      "--out",
      `${dir}/e2`,
      "--backend",
      "cpu",
    ]);
    assert.notEqual(r7.code, 0);
    assert.match(ownLines(r7.stderr).join("\n"), /re-parameterised/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
