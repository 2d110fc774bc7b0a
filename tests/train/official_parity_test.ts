/**
 * Training parity with the official PyTorch code: the fixture (tools/make_train_parity_fixture.py)
 * holds the official initial state (weights + SNIP masks), the fixed batches, and the state after
 * STEPS steps of the official loop (engine.py + Masking + AdamW with the official param groups +
 * the official lr schedule, with prune-and-grow by gradient after steps 2, 4 and 6). We train the
 * same steps through the user path (a training config with `data: {kind: npy}` and `run.init`,
 * `trainRun`) and compare per-step losses, the final weights, BN buffers and masks.
 */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/ops/backend.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { trainRun } from "../../lib/train/run.ts";
import { assertMatchesOfficial, expected, FIX, parityConfig } from "./_parity.ts";

const LOSS_TOL = 1e-5; // see WEIGHT_ATOL in _parity.ts

Deno.test("k steps of our trainer equal k steps of the official training loop", async () => {
  await initBackend("cpu");
  const root = await Deno.makeTempDir({ prefix: "slak-parity-" });
  try {
    const config = resolveTrainConfig(parityConfig(expected, `${FIX}init.safetensors`), "parity");
    const losses: number[] = [];
    const lrs: number[] = [];
    const topo: number[] = [];
    await trainRun(config, {
      outDir: `${root}/run`,
      resume: false,
      onProgress: (ev) => {
        if (ev.type === "step") {
          losses.push(ev.loss);
          lrs.push(ev.lr);
        }
        if (ev.type === "topology") topo.push(ev.record.step);
      },
    });
    // per-step losses and learning rates
    assert.equal(losses.length, expected.steps);
    for (let i = 0; i < expected.steps; i++) {
      assert.ok(
        Math.abs(lrs[i]! - expected.lrs[i]!) <= 1e-9,
        `lr of step ${i + 1}: ours ${lrs[i]}, official ${expected.lrs[i]}`,
      );
      assert.ok(
        Math.abs(losses[i]! - expected.losses[i]!) <= LOSS_TOL,
        `loss of step ${i + 1}: ours ${losses[i]}, official ${expected.losses[i]}`,
      );
    }
    assert.deepEqual(
      topo,
      expected.topologyChangedAfterSteps,
      "prune-and-grow after the same steps",
    );

    assertMatchesOfficial(`${root}/run`, config.modelConfig);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
