/**
 * A short `slak train` on the cpu backend with `--threads 1` and `--threads 3` (and SLAK_THREADS
 * for the second) ends with the same weights, optimizer state and results; meta.json records the
 * thread count (and only meta.json: the run's results and files do not depend on it).
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/_run.ts";
import { deterministicResult, SMOKE, tensorsOf, TINY_SETS } from "../train/_util.ts";

function trainArgs(out: string, threads: string[]): string[] {
  return [
    "train",
    "--config",
    SMOKE,
    // wider than the smoke model, so GEMMs and depthwise convs are big enough to be split
    ...[...TINY_SETS, "model.overrides.dims=[32,48,64,96]", "data.trainSize=64"]
      .flatMap((s) => ["--set", s]),
    "--out",
    out,
    "--backend",
    "cpu",
    "--quiet",
    ...threads,
  ];
}

Deno.test("slak train gives identical weights and state with 1 and 3 kernel threads", async () => {
  const root = await Deno.makeTempDir({ prefix: "slak-threads-" });
  try {
    const one = `${root}/one`;
    const three = `${root}/three`;
    const r1 = await runCli(trainArgs(one, ["--threads", "1"]));
    assert.equal(r1.code, 0, r1.stderr);
    const r3 = await runCli(trainArgs(three, []), { SLAK_THREADS: "3" });
    assert.equal(r3.code, 0, r3.stderr);
    assert.deepEqual(
      deterministicResult(`${three}/result.json`),
      deterministicResult(`${one}/result.json`),
    );
    for (const f of ["last.safetensors", "state.safetensors"]) {
      const a = tensorsOf(`${one}/checkpoints/${f}`);
      const b = tensorsOf(`${three}/checkpoints/${f}`);
      assert.deepEqual([...b.keys()], [...a.keys()]);
      for (const [k, t] of a) {
        const x = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
        const y = b.get(k)!.data;
        const z = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
        assert.ok(x.length === z.length && x.every((v, i) => v === z[i]), `${f}: ${k} differs`);
      }
    }
    const meta = (dir: string) => JSON.parse(Deno.readTextFileSync(`${dir}/meta.json`));
    assert.equal(meta(one).threads, 1);
    assert.equal(meta(three).threads, 3);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
