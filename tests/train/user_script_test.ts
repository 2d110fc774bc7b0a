import assert from "node:assert/strict";
import { readWeightsFile } from "../../lib/models/weights_file.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = `${ROOT}examples/train_with_trainer.ts`;

Deno.test("a script outside the repository imports mod.ts by path and trains with the Trainer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-user-" });
  try {
    // the README's example, as a user would copy it next to their own code
    const source = Deno.readTextFileSync(EXAMPLE).replace('"../mod.ts"', `"${ROOT}mod.ts"`);
    assert.ok(source.includes(`${ROOT}mod.ts`), "the example imports ../mod.ts");
    Deno.writeTextFileSync(`${dir}/script.ts`, source);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", `${ROOT}deno.json`, "script.ts", `${dir}/w.safetensors`],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    assert.equal(r.steps, 24);
    assert.ok(Number.isFinite(r.firstLoss) && Number.isFinite(r.lastLoss));
    assert.ok(Math.abs(r.density - 0.6) < 0.01, `density ${r.density}`);
    assert.ok(r.top1 >= 0 && r.top1 <= 1 && r.emaTop1 !== null);
    const w = await readWeightsFile(`${dir}/w.safetensors`);
    assert.equal(w.config?.arch, "slak");
    assert.ok(w.state.size > 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
