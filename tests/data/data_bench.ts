/**
 * Data-layer throughput: `deno bench -A tests/data/data_bench.ts`. One iteration = one image
 * (generation) or one batch of 64 (loader); img/s = 1000 / avg ms × images per iteration.
 */
import {
  type DataConfigInput,
  type Difficulty,
  Loader,
  openDataset,
  pathfinderSample,
} from "../../lib/data/mod.ts";
import { tempDir, writeCifar10Fixture } from "./_fixtures.ts";

let counter = 0;
for (const size of [32, 64, 128]) {
  for (const difficulty of ["easy", "hard"] as Difficulty[]) {
    Deno.bench(
      `pathfinder generate ${size} ${difficulty} (1 image)`,
      { group: "pathfinder" },
      () => {
        pathfinderSample({ size, difficulty, seed: 0, split: "bench" }, counter++);
      },
    );
  }
}

const fashion = await Deno.stat("/usr/share/datasets/fashion-mnist").then(() => true, () => false);
const cifarDir = await tempDir();
await writeCifar10Fixture(cifarDir, 2000, 100);
addEventListener("unload", () => Deno.removeSync(cifarDir, { recursive: true }));

const configs: DataConfigInput[] = [
  { kind: "pathfinder" as const, size: 32 as const, trainSize: 4096, testSize: 64 },
  { kind: "cifar" as const, path: cifarDir },
  ...(fashion
    ? [
      { kind: "fashion_mnist" as const },
      { kind: "fashion_mnist" as const, canvas: { size: 64, distractors: 8 } },
    ]
    : []),
];
for (const config of configs) {
  const ds = await openDataset(config);
  const loader = new Loader(ds, { split: "train", batchSize: 64, seed: 0, prefetch: false });
  for (let i = 0; i < 64; i++) await loader.next(); // fill Pathfinder's memo
  Deno.bench(`loader ${ds.name} (batch of 64, train aug)`, { group: "loader" }, async () => {
    await loader.next();
  });
}
