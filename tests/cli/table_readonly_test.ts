// `slak table DIR` prints the table from a folder it cannot write (a read-only copy of someone's
// results, a full disk): a warning instead of the files, exit 0, and nothing left in the folder.
import assert from "node:assert/strict";
import { expandPlan, loadSpec, runShard, savePlan } from "../../lib/experiments/mod.ts";
import { TINY, trainResolver } from "../experiments/_helpers.ts";
import { runCli, snapshot } from "./_run.ts";

/** A finished tiny sweep (fake results) in a fresh temp folder. */
async function sweep(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "slak-table-ro-" });
  const { spec } = await loadSpec(TINY);
  const plan = expandPlan(spec, "smoke", { resolve: trainResolver, seeds: 1 });
  await savePlan(dir, plan, false);
  await runShard(plan, {
    dir,
    shard: { index: 1, count: 1, source: "test" },
    execute: async (run, ctx) => {
      const top1 = 0.5 + Number(run.labels.kernel) / 100;
      await Deno.writeTextFile(`${ctx.outDir}/result.json`, JSON.stringify({ top1, imgPerSec: 1 }));
    },
  });
  return dir;
}

function checkCsv(stdout: string): void {
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 4, stdout); // header + the three kernel rows
  assert.match(lines[0]!, /^kernel,/);
  assert.match(lines[1]!, /^3,.*,1,1,0,53,/); // kernel 3: one run, done, top-1 53 %
}

Deno.test("slak table --format csv prints from a folder it may not write, and writes nothing", async () => {
  const dir = await sweep();
  try {
    const before = snapshot(dir);
    // --deny-write makes the folder unwritable even for root (where chmod would not).
    const r = await runCli(["table", dir, "--format", "csv"], {}, [`--deny-write=${dir}`]);
    assert.equal(r.code, 0, r.stderr);
    checkCsv(r.stdout);
    assert.match(
      r.stderr,
      /slak: warning: Cannot write .*table files not written|files not written/,
    );
    assert.deepEqual(snapshot(dir), before, "the folder is unchanged");
    // Writable again: the files appear.
    const w = await runCli(["table", dir, "--format", "csv"]);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/table.csv`), w.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("slak table prints from a chmod 555 folder", async () => {
  const dir = await sweep();
  try {
    const before = snapshot(dir);
    await Deno.chmod(dir, 0o555);
    const r = await runCli(["table", dir, "--format", "csv"]);
    assert.equal(r.code, 0, r.stderr);
    checkCsv(r.stdout);
    if (Deno.uid() !== 0) {
      // Root writes through chmod; the test above covers the unwritable case for root.
      assert.match(r.stderr, /permission denied \(EACCES\)/);
      assert.deepEqual(snapshot(dir), before);
    }
  } finally {
    await Deno.chmod(dir, 0o755);
    await Deno.remove(dir, { recursive: true });
  }
});
