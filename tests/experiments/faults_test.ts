// Fault tests with real subprocesses running the real CLI and trainer on a tiny sweep.
import assert from "node:assert/strict";
import { EXIT } from "../../lib/util/errors.ts";
import { runCli } from "../cli/_run.ts";
import { copyTree, finishedIds, runSlak, spawnSlak, TINY } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

Deno.test({
  name:
    "ablate: a SIGKILLed shard restarts without losing or repeating runs; shards merge into one table",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const a = await Deno.makeTempDir({ prefix: "slak-shard1-" });
    const b = await Deno.makeTempDir({ prefix: "slak-shard2-" });
    const m = await Deno.makeTempDir({ prefix: "slak-merged-" });
    const scratch = await Deno.makeTempDir({ prefix: "slak-killed-" });
    try {
      const base = ["ablate", TINY, "--backend", "cpu"];

      // Shard 1/2 (3 runs): kill it once a run has finished.
      // A SIGKILLed process cannot remove its XDG_RUNTIME_DIR folder: keep it in a test folder.
      const p = spawnSlak([...base, "--out", a, "--shard", "1/2"], { TMPDIR: scratch });
      const t0 = Date.now();
      while (finishedIds(a).length < 1 && Date.now() - t0 < 120_000) await sleep(100);
      const before = finishedIds(a);
      assert.ok(before.length >= 1, "a run finished before the kill");
      p.kill("SIGKILL");
      const st = await p.status;
      assert.equal(st.signal, "SIGKILL");
      await p.stdout.cancel();
      await p.stderr.cancel();
      const saved = new Map(before.map((id) => [id, {
        result: readText(`${a}/runs/${id}/result.json`),
        meta: readText(`${a}/runs/${id}/meta.json`),
      }]));

      // Restart: the finished runs are kept as they were, the rest finish.
      const r = await runSlak([...base, "--out", a, "--shard", "1/2"]);
      assert.equal(r.code, 0, r.stderr);
      for (const [id, s] of saved) {
        assert.equal(
          readText(`${a}/runs/${id}/result.json`),
          s.result,
          `result of ${id} unchanged`,
        );
        assert.equal(readText(`${a}/runs/${id}/meta.json`), s.meta, `meta of ${id} unchanged`);
        assert.match(r.stderr, new RegExp(`\\[${id}\\] already done`));
      }
      assert.equal(finishedIds(a).length, 3);
      assert.match(r.stderr, /shard 1\/2 from --shard 1\/2/);

      // Shard 2/2 from the environment.
      const r2 = await runSlak([...base, "--out", b], { SLAK_SHARD: "2/2" });
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stderr, /shard 2\/2 from SLAK_SHARD=2\/2/);
      const idB = finishedIds(b)[0]!;
      const metaB = JSON.parse(readText(`${b}/runs/${idB}/meta.json`)!);
      assert.equal(metaB.ablation.shard.source, "SLAK_SHARD=2/2");

      // Merge the two shard folders and build the table.
      copyTree(a, m);
      copyTree(b, m);
      const t = await runSlak(["table", m, "--format", "json"]);
      assert.equal(t.code, 0, t.stderr);
      const table = JSON.parse(t.stdout);
      const plan = JSON.parse(readText(`${m}/plan.json`)!);
      const ids = table.runs.map((x: { id: string }) => x.id);
      assert.deepEqual(ids, plan.runs.map((x: { id: string }) => x.id));
      assert.equal(new Set(ids).size, 6);
      assert.ok(
        table.runs.every((x: { status: string; top1: number }) =>
          x.status === "done" && typeof x.top1 === "number"
        ),
      );
      assert.deepEqual(table.rows.map((x: { n: number }) => x.n), [2, 2, 2]);
      const lines = readText(`${m}/results.jsonl`)!.trim().split("\n");
      assert.equal(lines.length, 6);
      assert.match(readText(`${m}/table.md`)!, /\| 3 \| .* \| 2\/2 \|/);
    } finally {
      for (const d of [a, b, m, scratch]) {
        await Deno.remove(d, { recursive: true }).catch(() => {});
      }
    }
  },
});

Deno.test({
  name: "ablate: two processes on one folder split the runs and never run one twice",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "slak-two-" });
    try {
      const args = ["ablate", TINY, "--backend", "cpu", "--out", dir];
      const [x, y] = await Promise.all([runSlak(args), runSlak(args)]);
      assert.equal(x.code, 0, x.stderr);
      assert.equal(y.code, 0, y.stderr);
      const ran = [...(x.stderr + y.stderr).matchAll(/✓ (\S+) done in/g)].map((m) => m[1]);
      assert.equal(ran.length, 6, `each run ran once: ${ran.join(", ")}`);
      assert.equal(new Set(ran).size, 6);
      assert.equal(finishedIds(dir).length, 6);
      // The second process saw runs the first one held or had finished (the locks were exercised).
      assert.match(x.stderr + y.stderr, /locked by pid|already done/);
      for (const id of finishedIds(dir)) {
        const meta = JSON.parse(readText(`${dir}/runs/${id}/meta.json`)!);
        assert.deepEqual(meta.resumes ?? [], [], `${id} was started once`);
        JSON.parse(readText(`${dir}/runs/${id}/result.json`)!);
      }
      assert.deepEqual([...Deno.readDirSync(`${dir}/locks`)], []);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("ablate: a changed spec for the same folder is refused unless --force", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-force-" });
  try {
    const base = ["ablate", "kernel-efficiency", "--out", dir, "--quiet"];
    const first = await runSlak(base);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /\| full \| 51 \| .*\| 45\.49 \| 9\.93 \| 45\.49 \| 9\.93 \| matches \|/,
    );
    const changed = await runSlak([...base, "--set", "inputSize=[256,256]"]);
    assert.equal(changed.code, 64);
    assert.match(changed.stderr, /spec hash .* Use another --out, or --force/);
    const forced = await runSlak([...base, "--set", "inputSize=[256,256]", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.doesNotMatch(forced.stdout, /matches/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("ablate: a folder it cannot write stops the sweep (73) after the summary; a rerun resumes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-stop-" });
  try {
    const list = await runSlak(["ablate", TINY, "--list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const ids = JSON.parse(list.stdout).map((r: { id: string }) => r.id) as string[];
    // The second run's folder is refused (as a full disk or read-only mount would): the first
    // run finishes, the second fails, the other four are not started.
    const args = ["ablate", TINY, "--backend", "cpu", "--out", dir];
    const r = await runCli(args, {}, [`--deny-write=${dir}/runs/${ids[1]}`]);
    assert.equal(r.code, EXIT.cantCreate, r.stderr);
    assert.deepEqual(finishedIds(dir), [ids[0]]);
    assert.doesNotMatch(r.stderr, /▶ \[3\/6\]/, "no run started after the refusal");
    assert.match(r.stderr, /stopping the sweep: Cannot write .*; 4 runs not started/);
    assert.match(r.stderr, /1 ran, 0 already done, 0 locked elsewhere, 1 failed/);
    assert.match(
      r.stderr,
      new RegExp(`slak: error: sweep stopped: Cannot write ${dir}/runs/${ids[1]}.*: Deno has no`),
    );
    assert.match(r.stdout, /\| 3 \| .* \| 1\/2 \|/, "the table is printed");
    // Writable again: the rerun does the other five.
    const again = await runSlak([...args, "--quiet"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(finishedIds(dir).length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
