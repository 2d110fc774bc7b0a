// The generated shapes exist so that smoke runs learn something: a tiny SLaK leaves the 12.5 %
// chance level within 48 steps. 512 test images: the binomial sd at chance is 1.5 pp, so the
// 35 % bar is 15 sd above chance (the smoke scale of kernel-scaling reaches about 70 %).
import assert from "node:assert/strict";
import { Loader, openDataset } from "../../lib/data/mod.ts";
import { initBackend } from "../../lib/ops/mod.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { lrAt } from "../../lib/train/schedule.ts";
import { Trainer } from "../../lib/train/trainer.ts";

await initBackend("cpu");

Deno.test("a tiny SLaK learns the generated shapes far above chance in 48 steps", async () => {
  const steps = 48;
  const batchSize = 32;
  const config = resolveTrainConfig({
    model: {
      name: "slak_nano",
      overrides: {
        depths: [1, 1, 1, 1],
        dims: [8, 16, 32, 64],
        kernelSizes: [5, 5, 3, 3],
        smallKernel: 3,
        dropPath: 0,
      },
    },
    data: { kind: "shapes", size: 32, trainSize: steps * batchSize, testSize: 512, seed: 1 },
    optimizer: { lr: 0.004, weightDecay: 0.05, batchSize },
  }, "shapes-learn");
  const ds = await openDataset(config.data);
  const loader = new Loader(ds, { split: "train", batchSize, seed: 0 });
  const trainer = await Trainer.create(config, { dataset: ds, totalSteps: steps });
  try {
    const schedule = { lr: 0.004, minLr: 1e-6, totalSteps: steps, warmupSteps: 5 };
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      losses.push((await trainer.step(await loader.next(), lrAt(s, schedule))).loss);
    }
    const ev = await trainer.evaluate(ds, { batchSize: 128, limit: 0 });
    assert.equal(ev.model.n, 512);
    assert.ok(ev.model.top1 >= 0.35, `top-1 ${ev.model.top1} after ${steps} steps`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-8)) < mean(losses.slice(0, 8)) - 0.3, `losses ${losses}`);
  } finally {
    loader.close();
    trainer.dispose();
  }
});
