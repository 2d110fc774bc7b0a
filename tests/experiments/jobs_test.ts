// `slak ablate --jobs N` end to end: real worker processes running the real trainer on tiny
// sweeps, against the one-process sweep (`--jobs 1`).
import assert from "node:assert/strict";
import { EXIT } from "../../lib/util/errors.ts";
import { finishedIds, runSlak, spawnSlak, TINY } from "./_helpers.ts";

const FAILING = new URL("./fixtures/tiny_failing.yaml", import.meta.url).pathname;
const TIMING = new Set(["imgPerSec", "dataShare", "wallSeconds"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JSON value without its timing fields (they differ from one execution to the next). */
function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([k]) => !TIMING.has(k)).map(([k, x]) => [k, untimed(x)]),
    );
  }
  return v;
}

function readJson(path: string): unknown {
  return JSON.parse(Deno.readTextFileSync(path));
}

function readJsonl(path: string): unknown[] {
  return Deno.readTextFileSync(path).trim().split("\n").map((l) => JSON.parse(l));
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The worker pids a parallel sweep printed. */
function workerPids(stderr: string): number[] {
  return [...stderr.matchAll(/worker \d+: pid (\d+)/g)].map((m) => Number(m[1]));
}

Deno.test({
  name: "ablate --jobs 2 gives the runs, results and table of --jobs 1, each run once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const one = await Deno.makeTempDir({ prefix: "slak-jobs1-" });
    const two = await Deno.makeTempDir({ prefix: "slak-jobs2-" });
    try {
      const base = ["ablate", TINY, "--backend", "cpu", "--json"];
      const r1 = await runSlak([...base, "--out", one, "--jobs", "1"]);
      assert.equal(r1.code, 0, r1.stderr);
      assert.doesNotMatch(r1.stderr, /worker/, "--jobs 1 runs in this process");
      const r2 = await runSlak([...base, "--out", two, "--jobs", "2"]);
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stderr, /· 2 worker processes \(--jobs 2 from --jobs\)/);
      assert.equal(workerPids(r2.stderr).length, 2);

      await t.step("same run ids, results, metrics, configs and table", () => {
        const ids = finishedIds(one);
        assert.equal(ids.length, 6);
        assert.deepEqual(finishedIds(two), ids);
        for (const id of ids) {
          for (const f of ["result.json", "config.json"]) {
            assert.deepEqual(
              untimed(readJson(`${two}/runs/${id}/${f}`)),
              untimed(readJson(`${one}/runs/${id}/${f}`)),
              `${id}/${f}`,
            );
          }
          assert.deepEqual(
            untimed(readJsonl(`${two}/runs/${id}/metrics.jsonl`)),
            untimed(readJsonl(`${one}/runs/${id}/metrics.jsonl`)),
            `${id}/metrics.jsonl`,
          );
          const m1 = readJson(`${one}/runs/${id}/meta.json`) as { ablation: unknown };
          const m2 = readJson(`${two}/runs/${id}/meta.json`) as { ablation: unknown };
          assert.deepEqual(m2.ablation, m1.ablation, `${id}: the sweep, run and shard recorded`);
        }
        assert.deepEqual(untimed(JSON.parse(r2.stdout)), untimed(JSON.parse(r1.stdout)));
        assert.match(r2.stderr, /6 ran, 0 already done, 0 locked elsewhere, 0 failed/);
      });

      await t.step("no run executed twice, none dropped", () => {
        const started = [...r2.stderr.matchAll(/▶ \[(\d)\/6\] \S+ \[(\w+)\]/g)];
        assert.equal(started.length, 6, r2.stderr);
        assert.deepEqual(started.map((m) => m[1]).sort(), ["1", "2", "3", "4", "5", "6"]);
        assert.deepEqual(started.map((m) => m[2]).sort(), finishedIds(one));
        assert.equal([...r2.stderr.matchAll(/✓ \S+ done in/g)].length, 6);
        assert.equal([...Deno.readDirSync(`${two}/runs`)].length, 6);
        for (const id of finishedIds(two)) {
          const meta = readJson(`${two}/runs/${id}/meta.json`) as { resumes?: unknown[] };
          assert.deepEqual(meta.resumes ?? [], [], `${id} was started once`);
          assert.equal(
            readJsonl(`${two}/runs/${id}/metrics.jsonl`).length,
            readJsonl(`${one}/runs/${id}/metrics.jsonl`).length,
            `${id}: one set of metrics records`,
          );
        }
        assert.deepEqual([...Deno.readDirSync(`${two}/locks`)], [], "no lock left");
        assert.equal(readJsonl(`${two}/results.jsonl`).length, 6);
      });
    } finally {
      for (const d of [one, two]) await Deno.remove(d, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "ablate --jobs 2: SIGTERM stops every worker after a checkpoint (130); a rerun resumes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "slak-jobs-term-" });
    try {
      const args = [
        "ablate",
        TINY,
        "--backend",
        "cpu",
        "--out",
        dir,
        "--jobs",
        "2",
        "--only",
        "kernel=3",
        "--set",
        "schedule.epochs=30",
      ];
      const p = spawnSlak(args);
      let stderr = "";
      const reading = (async () => {
        for await (const s of p.stderr.pipeThrough(new TextDecoderStream())) stderr += s;
      })();
      const ids = () => [...stderr.matchAll(/▶ \[\d\/2\] \S+ \[(\w+)\]/g)].map((m) => m[1]!);
      const t0 = Date.now();
      while (Date.now() - t0 < 120_000) {
        const started = ids();
        if (
          started.length === 2 && started.every((id) => exists(`${dir}/runs/${id}/checkpoints`))
        ) {
          break;
        }
        await sleep(50);
      }
      assert.equal(ids().length, 2, `both workers started a run: ${stderr}`);
      const pids = workerPids(stderr);
      assert.equal(pids.length, 2, stderr);
      for (const pid of pids) assert.ok(exists(`/proc/${pid}`), `worker ${pid} runs`);
      p.kill("SIGTERM");
      const st = await p.status;
      await reading;
      await p.stdout.cancel();
      assert.equal(st.code, EXIT.interrupted, stderr);
      for (const pid of pids) assert.ok(!exists(`/proc/${pid}`), `worker ${pid} is gone`);
      assert.match(stderr, /stopping: every worker checkpoints its run/);
      assert.match(stderr, /slak: error: interrupted; rerun the same command to resume/);
      for (const id of ids()) {
        assert.ok(exists(`${dir}/runs/${id}/checkpoints/state.safetensors`), `${id} checkpointed`);
        assert.ok(!exists(`${dir}/runs/${id}/result.json`), `${id} was stopped before its end`);
        assert.match(stderr, new RegExp(`\\S+: checkpoint written at step \\d+`));
      }
      assert.equal([...stderr.matchAll(/■ \S+ interrupted \(checkpoint kept/g)].length, 2);
      assert.deepEqual(
        [...Deno.readDirSync(`${dir}/locks`)],
        [],
        "the workers released their locks",
      );

      const again = await runSlak(args);
      assert.equal(again.code, 0, again.stderr);
      assert.equal([...again.stderr.matchAll(/▶ \[\d\/2\] \S+ \[\w+\] \(resuming\)/g)].length, 2);
      assert.deepEqual(finishedIds(dir), [...ids()].sort());
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "ablate with SLAK_JOBS=2: a failing run is in the summary (exit 1), the others finish",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "slak-jobs-fail-" });
    try {
      const r = await runSlak(["ablate", FAILING, "--backend", "cpu", "--out", dir], {
        SLAK_JOBS: "2",
      });
      assert.equal(r.code, EXIT.failure, r.stderr);
      assert.match(r.stderr, /· 2 worker processes \(--jobs 2 from SLAK_JOBS\)/);
      assert.match(r.stderr, /✗ diverge\/s0 failed: loss is .* diverged/);
      assert.match(r.stderr, /2 ran, 0 already done, 0 locked elsewhere, 1 failed/);
      assert.match(
        r.stderr,
        /slak: error: 1 of 3 runs failed .*\n {2}diverge\/s0 \[\w+\]: loss is/,
      );
      const list = JSON.parse((await runSlak(["ablate", FAILING, "--list", "--json"])).stdout);
      const id = (name: string) => list.find((x: { name: string }) => x.name === name).id;
      assert.deepEqual(finishedIds(dir), [id("ok/s0"), id("slow/s0")].sort());
      assert.ok(exists(`${dir}/runs/${id("diverge/s0")}/error.json`));
      assert.match(r.stdout, /\| diverge \| .* \| 0\/1 done, 1 failed \|/, "the table is printed");
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("ablate: SLAK_JOBS that is not a positive integer is a usage error naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slak-jobs-env-" });
  try {
    const r = await runSlak(["ablate", FAILING, "--out", dir, "--quiet"], { SLAK_JOBS: "two" });
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, /slak: error: SLAK_JOBS="two": expected a positive integer/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
