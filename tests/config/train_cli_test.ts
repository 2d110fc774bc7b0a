// Issue 11: a data set whose images are too small for the model is a config error (exit 78, one
// line naming the data field) reported before the output folder exists.
import assert from "node:assert/strict";
import { ownLines, runCli } from "../cli/_run.ts";

const SMOKE = new URL("../../configs/train/smoke.yaml", import.meta.url).pathname;

Deno.test("slak train rejects too-small images before creating the output folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-small-images-" });
  try {
    const out = `${root}/run`;
    const r = await runCli([
      "train",
      "--config",
      SMOKE,
      "--set",
      "data={kind: fashion_mnist}",
      "--out",
      out,
      "--backend",
      "cpu",
      "--quiet",
    ]);
    const lines = ownLines(r.stderr);
    assert.equal(r.code, 78, r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /data\.canvas: .*28x28.*32x32.*allowed: data\.canvas\.size 32\.\.1024/);
    assert.deepEqual([...Deno.readDirSync(root)], [], "nothing created");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
