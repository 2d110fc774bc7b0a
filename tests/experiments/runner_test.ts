// Runner bookkeeping with an injected executor (the real CLI always uses the real trainer; the
// fault tests in faults_test.ts run it as a subprocess).
import assert from "node:assert/strict";
import {
  acquireLock,
  type Execute,
  expandPlan,
  layout,
  loadSpec,
  type Plan,
  readLock,
  releaseLock,
  runShard,
  savePlan,
  writeTables,
} from "../../lib/experiments/mod.ts";
import { EnvironmentError, EXIT, UserError } from "../../lib/util/errors.ts";
import { TINY, trainResolver } from "./_helpers.ts";

async function tinyPlan(sets: string[] = []): Promise<Plan> {
  const { spec } = await loadSpec(TINY);
  return expandPlan(spec, "smoke", { resolve: trainResolver, sets });
}

/** A fake trainer: records calls, writes result.json (top1 from the seed and kernel). */
function fakeTrain(
  calls: { id: string; resume: boolean }[],
  failIds: Set<string> = new Set(),
): Execute {
  return async (run, ctx) => {
    calls.push({ id: run.id, resume: ctx.resume });
    if (failIds.has(run.id)) throw new Error(`boom ${run.name}`);
    await Deno.writeTextFile(`${ctx.outDir}/meta.json`, JSON.stringify(ctx.meta));
    const top1 = 0.5 + Number(run.labels.kernel) / 100 + run.seed / 1000;
    await Deno.writeTextFile(`${ctx.outDir}/result.json`, JSON.stringify({ top1, imgPerSec: 10 }));
  };
}

const shard = { index: 1, count: 1, source: "test" };

Deno.test("runShard() skips finished runs, resumes from checkpoints, records the shard in meta", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plan = await tinyPlan();
    await savePlan(dir, plan, false);
    const calls: { id: string; resume: boolean }[] = [];
    // One run finished before, one interrupted with a checkpoint, one with stale partial files.
    const [done, interrupted, partial] = plan.runs;
    await Deno.mkdir(layout.run(dir, done!.id), { recursive: true });
    await Deno.writeTextFile(layout.result(dir, done!.id), JSON.stringify({ top1: 0.9 }));
    await Deno.mkdir(`${layout.run(dir, interrupted!.id)}/checkpoints`, { recursive: true });
    await Deno.writeTextFile(layout.checkpoint(dir, interrupted!.id), "state");
    await Deno.mkdir(layout.run(dir, partial!.id), { recursive: true });
    await Deno.writeTextFile(`${layout.run(dir, partial!.id)}/metrics.jsonl`, "junk\n");
    const s = await runShard(plan, { dir, shard, execute: fakeTrain(calls) });
    assert.deepEqual(s.skipped, [done!.id]);
    assert.equal(s.ran.length, 5);
    assert.deepEqual(calls.find((c) => c.id === interrupted!.id), {
      id: interrupted!.id,
      resume: true,
    });
    assert.deepEqual(calls.find((c) => c.id === partial!.id), { id: partial!.id, resume: false });
    // Partial files of a run without a checkpoint are cleared before it starts again.
    await assert.rejects(Deno.stat(`${layout.run(dir, partial!.id)}/metrics.jsonl`));
    const meta = JSON.parse(await Deno.readTextFile(`${layout.run(dir, partial!.id)}/meta.json`));
    assert.deepEqual(meta.ablation.shard, shard);
    assert.equal(meta.ablation.runId, partial!.id);
    // Nothing left locked; a second pass runs nothing.
    assert.deepEqual([...Deno.readDirSync(layout.locks(dir))], []);
    const again = await runShard(plan, { dir, shard, execute: fakeTrain(calls) });
    assert.equal(again.ran.length, 0);
    assert.equal(again.skipped.length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("runShard() keeps going past failures (error.json), or stops with failFast", async () => {
  const dir = await Deno.makeTempDir();
  const dir2 = await Deno.makeTempDir();
  try {
    const plan = await tinyPlan();
    await savePlan(dir, plan, false);
    const fail = new Set([plan.runs[1]!.id, plan.runs[4]!.id]);
    const calls: { id: string; resume: boolean }[] = [];
    const s = await runShard(plan, { dir, shard, execute: fakeTrain(calls, fail) });
    assert.equal(s.ran.length, 4);
    assert.equal(s.stopped, null, "ordinary failures do not stop the sweep");
    assert.deepEqual(s.failed.map((f) => f.id), [plan.runs[1]!.id, plan.runs[4]!.id]);
    assert.match(s.failed[0]!.message, /boom/);
    const err = JSON.parse(await Deno.readTextFile(layout.error(dir, plan.runs[1]!.id)));
    assert.match(err.message, /boom 5\/s0/);
    const t = await writeTables(dir);
    assert.deepEqual(t.runs.map((r) => r.status), [
      "done",
      "failed",
      "done",
      "done",
      "failed",
      "done",
    ]);
    assert.match(t.markdown, /\| 5 \| .* \| 0\/2 \| – \| .* \| 0\/2 done, 2 failed \|/);
    // Rerun: only the failed ones run again, and their error.json goes away on success.
    const calls2: { id: string; resume: boolean }[] = [];
    const s2 = await runShard(plan, { dir, shard, execute: fakeTrain(calls2) });
    assert.deepEqual(calls2.map((c) => c.id), [...fail]);
    assert.equal(s2.failed.length, 0);
    await assert.rejects(Deno.stat(layout.error(dir, plan.runs[1]!.id)));

    await savePlan(dir2, plan, false);
    const calls3: { id: string; resume: boolean }[] = [];
    const s3 = await runShard(plan, {
      dir: dir2,
      shard,
      failFast: true,
      execute: fakeTrain(calls3, fail),
    });
    assert.equal(calls3.length, 2);
    assert.equal(s3.failed.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(dir2, { recursive: true }).catch(() => {});
  }
});

/** An error shaped like Deno's for a write to a full disk. */
function diskFull(path: string): Error {
  return Object.assign(
    new Error(`No space left on device (os error 28): writefile '${path}'`),
    { code: "ENOSPC" },
  );
}

Deno.test("runShard() stops the sweep at an environment error (disk full, read-only)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plan = await tinyPlan();
    await savePlan(dir, plan, false);
    const ids = plan.runs.map((r) => r.id);
    const calls: string[] = [];
    // Run 1 fails the ordinary way (the sweep goes on), run 3 meets a full disk (it stops).
    const execute: Execute = async (run, ctx) => {
      calls.push(run.id);
      if (run.id === ids[1]) throw new Error("diverged");
      if (run.id === ids[3]) throw diskFull(`${ctx.outDir}/checkpoints/last.ckpt`);
      await Deno.writeTextFile(`${ctx.outDir}/result.json`, JSON.stringify({ top1: 0.5 }));
    };
    const events: string[] = [];
    const s = await runShard(plan, {
      dir,
      shard,
      execute,
      onEvent: (e) => events.push(e.type),
    });
    assert.deepEqual(calls, ids.slice(0, 4), "no run started after the full disk");
    assert.deepEqual(s.ran, [ids[0], ids[2]]);
    assert.deepEqual(s.failed.map((f) => f.id), [ids[1], ids[3]]);
    const where = `${layout.run(dir, ids[3]!)}/checkpoints/last.ckpt`;
    assert.equal(s.failed[1]!.message, `Cannot write ${where}: no space left on device (ENOSPC)`);
    assert.deepEqual(s.stopped, {
      message: s.failed[1]!.message,
      exitCode: EXIT.ioError,
      notStarted: 2,
    });
    assert.equal(events.at(-1), "stopped");
    // The failure is recorded like any other, and no lock is left behind.
    const err = JSON.parse(await Deno.readTextFile(layout.error(dir, ids[3]!)));
    assert.match(err.message, /ENOSPC/);
    assert.deepEqual([...Deno.readDirSync(layout.locks(dir))], []);

    // The writers' own EnvironmentError (a read-only folder) stops it too, with its exit code.
    const readOnly = new EnvironmentError(
      "Cannot write x: read-only file system (EROFS)",
      "EROFS",
      "x",
      EXIT.cantCreate,
    );
    const s2 = await runShard(plan, {
      dir,
      shard,
      execute: () => Promise.reject(readOnly),
    });
    assert.equal(s2.failed.length, 1);
    assert.equal(s2.stopped?.exitCode, EXIT.cantCreate);
    assert.equal(s2.stopped?.notStarted, 3);

    // Space freed: a rerun does the rest.
    const s3 = await runShard(plan, { dir, shard, execute: fakeTrain([]) });
    assert.deepEqual(s3.ran, [ids[1], ids[3], ids[4], ids[5]]);
    assert.equal(s3.stopped, null);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("runShard() leaves runs locked by a live process alone and takes over a dead one's lock", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plan = await tinyPlan();
    await savePlan(dir, plan, false);
    // A live lock (this process) on run 0.
    const live = acquireLock(layout.lock(dir, plan.runs[0]!.id));
    assert.ok(live.ok);
    // A dead process's lock on run 1: a real child that has exited.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const dead = readLock(live.lock.path)!;
    await Deno.writeTextFile(
      layout.lock(dir, plan.runs[1]!.id),
      JSON.stringify({ ...dead, pid: child.pid, procStart: "1", nonce: "dead" }),
    );
    const calls: { id: string; resume: boolean }[] = [];
    const s = await runShard(plan, { dir, shard, execute: fakeTrain(calls) });
    assert.deepEqual(s.busy, [plan.runs[0]!.id]);
    assert.ok(calls.some((c) => c.id === plan.runs[1]!.id));
    assert.equal(s.ran.length, 5);
    // A second acquire while held fails and names the holder.
    const second = acquireLock(live.lock.path);
    assert.ok(!second.ok && second.holder?.pid === Deno.pid);
    releaseLock(live.lock);
    await assert.rejects(Deno.stat(live.lock.path));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("savePlan() refuses a changed spec unless forced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await tinyPlan();
    const b = await tinyPlan(["optimizer.lr=0.001"]);
    await savePlan(dir, a, false);
    await savePlan(dir, a, false); // same spec: fine
    await assert.rejects(
      savePlan(dir, b, false),
      (e) => e instanceof UserError && /spec hash .*--force/.test(e.message),
    );
    await savePlan(dir, b, true);
    const saved = JSON.parse(await Deno.readTextFile(layout.plan(dir)));
    assert.equal(saved.specHash, b.specHash);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("savePlan() takes a presentation-only spec edit (and a legacy hash) without --force", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await tinyPlan();
    // The same runs under another title and reference: same hash, saved plan updated.
    const edited: Plan = {
      ...a,
      title: "Renamed",
      definition: { ...a.definition, title: "Renamed", reference: { kernel: "5" } },
    };
    assert.equal(edited.specHash, a.specHash);
    await savePlan(dir, a, false);
    await savePlan(dir, edited, false);
    let saved = JSON.parse(await Deno.readTextFile(layout.plan(dir)));
    assert.equal(saved.title, "Renamed");
    assert.deepEqual(saved.definition.reference, { kernel: "5" });
    // A plan saved by an older build (whole-spec hash) with the same runs is accepted too.
    await Deno.writeTextFile(
      layout.plan(dir),
      JSON.stringify({ ...a, specHash: "0123456789abcdef" }),
    );
    await savePlan(dir, a, false);
    saved = JSON.parse(await Deno.readTextFile(layout.plan(dir)));
    assert.equal(saved.specHash, a.specHash);
    // Fewer runs (another seed count) is a different plan.
    const fewer = expandPlan(a.definition, "smoke", { resolve: trainResolver, seeds: 1 });
    assert.notEqual(fewer.specHash, a.specHash);
    await assert.rejects(savePlan(dir, fewer, false), /--force/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("writeTables() compares each row with the reference row of its own dataset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { spec: tiny } = await loadSpec(TINY);
    const spec = {
      ...tiny,
      axes: [
        {
          name: "dataset",
          levels: [{ label: "a", note: "", set: {} }, {
            label: "b",
            note: "",
            set: { "data.difficulty": "hard" },
          }],
        },
        ...tiny.axes,
      ],
    } as typeof tiny;
    const plan = expandPlan(spec, "smoke", { resolve: trainResolver, seeds: 1 });
    await savePlan(dir, plan, false);
    const execute: Execute = async (run, ctx) => {
      // Dataset b is 30 points better across the board; kernel adds k points.
      const top1 = (run.labels.dataset === "b" ? 0.8 : 0.5) + Number(run.labels.kernel) / 100;
      await Deno.writeTextFile(`${ctx.outDir}/result.json`, JSON.stringify({ top1, imgPerSec: 1 }));
    };
    await runShard(plan, { dir, shard, execute });
    const t = await writeTables(dir);
    const delta = Object.fromEntries(
      t.rows.map((r) => [`${r.labels.dataset}/${r.labels.kernel}`, r.refDelta]),
    );
    // Reference { kernel: 3 } leaves dataset free: deltas are within a dataset, never across.
    for (const d of ["a", "b"]) {
      assert.ok(Math.abs(delta[`${d}/3`]!) < 1e-9);
      assert.ok(Math.abs(delta[`${d}/5`]! - 2) < 1e-9);
      assert.ok(Math.abs(delta[`${d}/7`]! - 4) < 1e-9);
    }
    assert.match(t.markdown, /row kernel=3 with the same dataset/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
