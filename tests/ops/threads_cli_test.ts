/**
 * `--threads` / SLAK_THREADS: resolution order, usage errors (exit 64, one line naming the flag
 * or variable), and the per-worker thread count `slak ablate --jobs J` passes to its workers.
 */
import assert from "node:assert/strict";
import { resolveThreads } from "../../cli/_common.ts";
import { workerArgv } from "../../cli/_ablate_pool.ts";
import { UserError } from "../../lib/util/errors.ts";
import { runCli } from "../cli/_run.ts";

const env = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("resolveThreads(): --threads, else SLAK_THREADS, else the fallback", () => {
  const cores = { threads: 8, source: "the number of cores" };
  assert.deepEqual(resolveThreads(3, env({ SLAK_THREADS: "5" }), cores), {
    threads: 3,
    source: "--threads",
  });
  assert.deepEqual(resolveThreads(undefined, env({ SLAK_THREADS: " 5 " }), cores), {
    threads: 5,
    source: "SLAK_THREADS",
  });
  assert.deepEqual(resolveThreads(undefined, env({}), cores), cores);
  assert.deepEqual(resolveThreads(undefined, env({ SLAK_THREADS: "" }), cores), cores);
  assert.ok(resolveThreads(undefined, env({})).threads >= 1);
  for (const bad of ["0", "-2", "1.5", "two", "100000"]) {
    assert.throws(
      () => resolveThreads(undefined, env({ SLAK_THREADS: bad }), cores),
      (e: unknown) => e instanceof UserError && /SLAK_THREADS="/.test(e.message),
    );
  }
});

Deno.test("ablate workers get --threads on their command line", () => {
  const base = {
    name: "kernel-scaling",
    scale: "smoke",
    dir: "/tmp/x",
    seeds: undefined,
    sets: [],
    shard: undefined,
    backend: "cpu" as const,
  };
  const argv = workerArgv(["-A"], { ...base, threads: 2 });
  const at = argv.indexOf("--threads");
  assert.ok(at > 0 && argv[at + 1] === "2", argv.join(" "));
  assert.ok(!workerArgv(["-A"], base).includes("--threads"));
});

Deno.test("slak rejects a bad --threads or SLAK_THREADS with one usage line", async () => {
  const r1 = await runCli(["bench", "threads", "--threads", "0"]);
  assert.equal(r1.code, 64, r1.stderr);
  assert.match(r1.stderr, /--threads/);
  const r2 = await runCli(["bench", "threads", "--rounds", "1"], { SLAK_THREADS: "many" });
  assert.equal(r2.code, 64, r2.stderr);
  assert.match(r2.stderr, /SLAK_THREADS="many"/);
});
