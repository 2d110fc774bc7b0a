// Training on the webgpu backend: the whole loop (SNIP, steps, prune-and-grow, EMA, evaluation,
// checkpoints) must run without synchronous GPU reads, which Deno's WebGPU cannot serve.
import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/mod.ts";
import { readConfigFile } from "../../lib/config/layering.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { runFiles, trainRun } from "../../lib/train/run.ts";
import { readWeightsFile } from "../../lib/models/weights_file.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { SMOKE } from "./_util.ts";

Deno.test("trainRun() trains a sparse SLaK on the webgpu backend", async () => {
  let xdg: string | null = null;
  if (!Deno.env.get("XDG_RUNTIME_DIR")) {
    xdg = await Deno.makeTempDir({ prefix: "slak-xdg-" });
    Deno.env.set("XDG_RUNTIME_DIR", xdg);
    // Removed when the test process ends (Mesa may still look at it until then).
    globalThis.addEventListener("unload", () => Deno.removeSync(xdg!, { recursive: true }));
  }
  if (!(await requireWebGpu("trainRun() on webgpu"))) return;
  const backend = await initBackend("webgpu");
  const out = await Deno.makeTempDir({ prefix: "slak-train-webgpu-" });
  try {
    assert.equal(backend, "webgpu");
    const config = resolveTrainConfig(await readConfigFile(SMOKE), SMOKE, [
      "data.trainSize=32",
      "data.testSize=16",
      "optimizer.batchSize=16",
      "schedule.epochs=1",
      "sparsity.updateEvery=1",
      "sparsity.growth=gradient",
      "run.checkpointEverySteps=1",
    ]);
    const result = await trainRun(config, { outDir: out });
    assert.equal(result.steps, 2);
    assert.ok(Number.isFinite(result.loss));
    assert.ok(Math.abs(result.density - 0.6) < 0.01, `density ${result.density}`);
    const w = await readWeightsFile(runFiles(out).last);
    assert.ok(w.config !== null && w.state.size > 0);
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
    await initBackend("cpu");
  }
});
