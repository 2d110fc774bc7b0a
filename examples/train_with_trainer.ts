/**
 * Training a small SLaK from a script with the exported `Trainer` (no run folder, no CLI):
 * resolve a config, open a generated data set, step, evaluate, save the weights.
 *
 *   deno run -A --config path/to/slak/deno.json examples/train_with_trainer.ts [OUT.safetensors]
 *
 * From outside the repository, import `path/to/slak/mod.ts` (and `tf.ts` if you need tensors)
 * and pass slak's deno.json with `--config` so its npm imports resolve.
 *
 * @module
 */
import {
  initBackend,
  Loader,
  lrAt,
  openDataset,
  resolveTrainConfig,
  Trainer,
  writeWeightsFile,
} from "../mod.ts";

await initBackend("cpu");
const config = resolveTrainConfig({
  model: {
    name: "slak_nano",
    overrides: { depths: [1, 1, 1, 1], dims: [8, 16, 32, 64], kernelSizes: [7, 5, 3, 3] },
  },
  data: { kind: "pathfinder", size: 32, trainSize: 256, testSize: 64 },
  optimizer: { lr: 4e-3, batchSize: 32 },
  regularization: { emaDecay: 0.9 },
}, "examples/train_with_trainer.ts");

const ds = await openDataset(config.data);
const loader = new Loader(ds, { split: "train", batchSize: 32, seed: config.run.seed });
const totalSteps = 3 * loader.batchesPerEpoch;
const schedule = { lr: config.optimizer.lr, minLr: 1e-5, totalSteps, warmupSteps: 4 };
const trainer = await Trainer.create(config, { dataset: ds, totalSteps });
try {
  const losses: number[] = [];
  for (let s = 0; s < totalSteps; s++) {
    const r = await trainer.step(await loader.next(), lrAt(s, schedule));
    losses.push(r.loss);
    if (r.topology) console.error(`step ${r.step}: prune-and-grow, density ${r.topology.density}`);
  }
  const ev = await trainer.evaluate(ds, { batchSize: 64, limit: 0 });
  const out = Deno.args[0];
  if (out) await writeWeightsFile(out, trainer.model);
  console.log(JSON.stringify({
    steps: trainer.stepCount,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    density: trainer.density(),
    top1: ev.model.top1,
    emaTop1: ev.ema?.top1 ?? null,
  }));
} finally {
  loader.close();
  trainer.dispose();
}
