import assert from "node:assert/strict";
import { ownLines, runCli } from "../cli/_run.ts";
import { SMOKE, tensorsOf, TINY_SETS } from "./_util.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

function trainArgs(out: string, extra: string[]): string[] {
  const sets = [...TINY_SETS, ...extra].flatMap((s) => ["--set", s]);
  return ["train", "--config", SMOKE, ...sets, "--out", out, "--backend", "cpu", "--quiet"];
}

async function waitFor(path: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await Deno.stat(path);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return false;
}

function allFinite(path: string): void {
  const tensors = tensorsOf(path);
  assert.ok(tensors.size > 0, path);
  for (const [k, t] of tensors) {
    if (t.data instanceof Float32Array) {
      assert.ok(t.data.every((v) => Number.isFinite(v)), `${path}: ${k} is not finite`);
    }
  }
}

Deno.test("a second slak train --resume on a busy folder exits with one line; a killed holder's lock is taken over", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-lock-" });
  try {
    const out = `${root}/run`;
    const extra = ["schedule.epochs=8"];
    const first = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, ...trainArgs(out, extra)],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      assert.ok(await waitFor(`${out}/checkpoints/state.safetensors`, 60_000), "first run started");
      const second = await runCli(trainArgs(out, extra).concat(["--resume"]));
      assert.equal(second.code, 75, second.stderr);
      const lines = ownLines(second.stderr);
      assert.equal(lines.length, 1, second.stderr);
      assert.match(lines[0]!, /is in use: process \d+ on .* is training into it/);
    } finally {
      try {
        first.kill("SIGKILL");
      } catch { /* it finished */ }
      await first.status;
    }
    // the killed process left its lock behind: a resume takes it over and finishes the run
    const third = await runCli(trainArgs(out, extra).concat(["--resume"]));
    assert.equal(third.code, 0, third.stderr);
    const records = Deno.readTextFileSync(`${out}/metrics.jsonl`).trim().split("\n")
      .map((l) => JSON.parse(l));
    const epochs = records.filter((r) => r.type === "epoch").map((r) => r.epoch);
    assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6, 7, 8], "one record per epoch, none duplicated");
    const steps = records.map((r) => r.step);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), "records in step order");
    assert.ok(!(await waitFor(`${out}/run.lock`, 0)), "the lock is released at the end");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a slowly diverging run stops on the loss and keeps only finite checkpoints", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-diverge-" });
  try {
    // lr 100 with warmup: the first steps are fine, then the loss explodes without a NaN
    const out = `${root}/run`;
    const r = await runCli(
      trainArgs(out, ["optimizer.lr=100", "run.checkpointEverySteps=1"]),
    );
    assert.equal(r.code, 1, r.stderr);
    const msg = ownLines(r.stderr).join("\n");
    assert.match(msg, /loss is \d[\d.e+]* at step (\d+) \(over 50·ln 2: diverged\)/);
    const at = Number(/at step (\d+)/.exec(msg)![1]);
    assert.ok(at >= 2, `diverged at step ${at}: warmup steps must pass`);
    assert.match(msg, new RegExp(`last good checkpoint \\(step ${at - 1}\\) is kept`));
    // unconditional: the checkpoint of the step before exists, and every tensor in it is finite
    for (const f of ["state.safetensors", "last.safetensors"]) allFinite(`${out}/checkpoints/${f}`);
    const state = tensorsOf(`${out}/checkpoints/state.safetensors`);
    assert.ok([...state.keys()].some((k) => k.startsWith("ema.")), "EMA in the checked state");
    assert.ok([...state.keys()].some((k) => k.startsWith("adam_v.")), "moments in the state");
    await assert.rejects(Deno.stat(`${out}/result.json`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
