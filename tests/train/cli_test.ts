import assert from "node:assert/strict";
import { ownLines, runCli } from "../cli/_run.ts";
import { deterministicMetrics, deterministicResult, SMOKE, tensorsOf, TINY_SETS } from "./_util.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const sets = (extra: string[] = []) => [...TINY_SETS, ...extra].flatMap((s) => ["--set", s]);

function trainArgs(out: string, extra: string[] = []): string[] {
  return ["train", "--config", SMOKE, ...sets(extra), "--out", out, "--backend", "cpu", "--quiet"];
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

Deno.test("slak train resumes bit-exactly after a SIGKILL at a random moment", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-resume-" });
  try {
    const a = `${root}/a`;
    const t0 = performance.now();
    const ra = await runCli(trainArgs(a));
    const duration = performance.now() - t0;
    assert.equal(ra.code, 0, ra.stderr);

    // kill a second run at a random moment before it finishes (retry earlier if it finished)
    const b = `${root}/b`;
    let killedAt = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      await Deno.remove(b, { recursive: true }).catch(() => {});
      killedAt = (0.3 + 0.6 * Math.random()) * duration / (attempt + 1);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, ...trainArgs(b)],
        env: { NO_COLOR: "1", TMPDIR: root }, // what a SIGKILLed run leaves lands in root
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, killedAt));
      try {
        child.kill("SIGKILL");
      } catch (e) {
        // It finished first (a fast machine): the check below retries with an earlier kill.
        if (!/already terminated/.test((e as Error).message)) throw e;
      }
      const status = await child.status;
      if (!(await exists(`${b}/result.json`))) {
        assert.notEqual(status.code, 0);
        break;
      }
    }
    assert.ok(!(await exists(`${b}/result.json`)), "the killed run must not have finished");
    const rb = await runCli(trainArgs(b).concat(["--resume"]));
    assert.equal(rb.code, 0, `resume after SIGKILL at ${killedAt.toFixed(0)} ms: ${rb.stderr}`);

    assert.deepEqual(
      deterministicResult(`${b}/result.json`),
      deterministicResult(`${a}/result.json`),
    );
    assert.deepEqual(
      deterministicMetrics(`${b}/metrics.jsonl`),
      deterministicMetrics(`${a}/metrics.jsonl`),
    );
    for (const f of ["last.safetensors", "best.safetensors"]) {
      const ta = tensorsOf(`${a}/checkpoints/${f}`);
      const tb = tensorsOf(`${b}/checkpoints/${f}`);
      assert.deepEqual([...tb.keys()], [...ta.keys()]);
      for (const [k, t] of ta) {
        assert.deepEqual(tb.get(k)!.data, t.data, `${f}: ${k} differs (killed at ${killedAt} ms)`);
      }
    }
    // the state (moments, EMA, masks) is identical too
    const sa = tensorsOf(`${a}/checkpoints/state.safetensors`);
    const sb = tensorsOf(`${b}/checkpoints/state.safetensors`);
    for (const [k, t] of sa) assert.deepEqual(sb.get(k)!.data, t.data, `state ${k}`);
    // a finished run resumes to its result without training
    const rc = await runCli(trainArgs(b).concat(["--resume"]));
    assert.equal(rc.code, 0);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});

Deno.test("slak train stops on NaN with the step and layer, keeping the last checkpoint", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-nan-" });
  try {
    const r = await runCli(
      trainArgs(out, [
        "optimizer.lr=1e30",
        "schedule.warmupEpochs=0",
        "run.checkpointEverySteps=1",
      ]),
    );
    assert.equal(r.code, 1, r.stderr);
    const msg = ownLines(r.stderr).join("\n");
    assert.match(msg, /at step \d+|after step \d+/);
    assert.match(msg, /(layer|gradient:) [a-z_]+\.[\w.]+/);
    assert.ok(!(await exists(`${out}/result.json`)));
    // the checkpoint written before the failure (step 1, at lr 0) is kept, and every tensor of it
    // is finite: parameters, buffers, moments, EMA
    const kept = Number(/last good checkpoint \(step (\d+)\) is kept/.exec(msg)?.[1]);
    assert.ok(kept >= 1, msg);
    const st = tensorsOf(`${out}/checkpoints/state.safetensors`);
    assert.ok(st.size > 0);
    for (const [k, t] of st) {
      if (t.data instanceof Float32Array) {
        assert.ok(t.data.every((v) => Number.isFinite(v)), `${k} finite`);
      }
    }
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("slak train gives one clear line for bad configs, data paths and folders", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-bad-" });
  try {
    const cases: [string[], number, RegExp][] = [
      [trainArgs(`${out}/x`, ["optimizer.lrr=1"]), 78, /unknown field "optimizer\.lrr".*"lr"/],
      [trainArgs(`${out}/x`, ["optimizer.lr=-1"]), 78, /optimizer\.lr/],
      [trainArgs(`${out}/x`, ["sparsity.init=magic"]), 78, /sparsity\.init.*"snip"/],
      [trainArgs(`${out}/x`, ["model.name=slak_huge"]), 78, /Unknown model "slak_huge".*slak_nano/],
      [trainArgs(`${out}/x`, ["model.overrides.numClasses=10"]), 78, /numClasses is 10.*has 2/],
      [trainArgs(`${out}/x`, ["model.overrides.kernelSizes=[4,4,4,4]"]), 78, /kernelSizes/],
      [
        // (a canvas: without one the 28x28 images are a config error, tests/config)
        trainArgs(`${out}/x`, [
          "data={kind: fashion_mnist, path: /nonexistent/fm, canvas: {size: 32}}",
        ]),
        65,
        /\/nonexistent\/fm/,
      ],
      [
        ["train", "--config", `${out}/missing.yaml`, "--out", `${out}/x`],
        78,
        /not found.*missing\.yaml/,
      ],
    ];
    for (const [args, code, re] of cases) {
      const r = await runCli(args);
      const lines = ownLines(r.stderr);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(lines.length, 1, `one line: ${r.stderr}`);
      assert.match(lines[0]!, re);
    }
    // a non-empty output folder needs --resume
    await Deno.writeTextFile(`${out}/keep.txt`, "x");
    const r = await runCli(trainArgs(out));
    assert.equal(r.code, 64);
    assert.match(ownLines(r.stderr)[0]!, /not empty.*--resume/);
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("slak train off a terminal prints one progress line per step and per epoch, no escapes", async () => {
  const out = await Deno.makeTempDir({ prefix: "slak-progress-" });
  try {
    const r = await runCli(trainArgs(out).filter((a) => a !== "--quiet"));
    assert.equal(r.code, 0, r.stderr);
    const lines = ownLines(r.stderr);
    // 128 images / batch 16 = 8 steps per epoch, 2 epochs.
    const steps = lines.filter((l) => /^step \d+\/16 ep [12] loss \d/.test(l));
    assert.deepEqual(
      steps.map((l) => Number(l.split(/[ /]/)[1])),
      [...Array(16).keys()].map((i) => i + 1),
    );
    assert.equal(lines.filter((l) => /^epoch [12]\/2 step (8|16): train loss/.test(l)).length, 2);
    assert.ok(lines.some((l) => /^step \d+: prune-and-grow at rate/.test(l)), "topology lines");
    assert.ok(!r.stderr.includes("\x1b["), "no terminal escapes off a terminal");
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});
