/** `--data SPEC` (cli/_data_spec.ts): a file, inline YAML, or key=value pairs. */
import assert from "node:assert/strict";
import { dataConfigFromSpec } from "../../cli/_data_spec.ts";
import { ConfigError } from "../../lib/util/errors.ts";

Deno.test("dataConfigFromSpec: key=value pairs, inline YAML, a file with a data section", async () => {
  assert.deepEqual(await dataConfigFromSpec("kind=imagefolder,path=/data/in et,size=256"), {
    kind: "imagefolder",
    path: "/data/in et",
    size: 256,
  });
  assert.deepEqual(await dataConfigFromSpec("{kind: pathfinder, size: 64}"), {
    kind: "pathfinder",
    size: 64,
  });
  const dir = await Deno.makeTempDir({ prefix: "slak_data_spec_" });
  try {
    await Deno.writeTextFile(`${dir}/t.yaml`, "data:\n  kind: cifar\n  path: /c\nmodel: {}\n");
    assert.deepEqual(await dataConfigFromSpec(`${dir}/t.yaml`), { kind: "cifar", path: "/c" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (const bad of ["kind=imagefolder,path", "[1, 2]", "just-a-word"]) {
    await assert.rejects(dataConfigFromSpec(bad), ConfigError, bad);
  }
});
