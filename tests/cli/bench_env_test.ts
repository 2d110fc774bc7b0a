import assert from "node:assert/strict";
import { loadText, machineLoad, openblasCoretype, torchEnv } from "../../cli/_bench_env.ts";

const cpu = (vendor: string, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\nflags\t\t: fpu sse sse2 ${flags}\n`;

Deno.test("openblasCoretype() maps CPU flags to the OpenBLAS family", () => {
  const zen5 = cpu("AuthenticAMD", "avx avx2 fma avx512f avx512bw avx512vl avx512_bf16");
  assert.equal(openblasCoretype(zen5), "SKYLAKEX");
  assert.equal(openblasCoretype(cpu("AuthenticAMD", "avx avx2 fma")), "ZEN");
  assert.equal(openblasCoretype(cpu("GenuineIntel", "avx avx2 fma")), "HASWELL");
  assert.equal(openblasCoretype(cpu("GenuineIntel", "avx")), "SANDYBRIDGE");
  assert.equal(openblasCoretype(cpu("GenuineIntel", "ssse3")), null);
  assert.equal(openblasCoretype(""), null);
});

Deno.test("loadText() reports the load and flags a busy machine", () => {
  assert.equal(loadText({ load: [0.3, 0.2, 0.1], cores: 2 }), "load 0.30 / 2 cores");
  assert.equal(loadText({ load: [1.7, 1.0, 0.5], cores: 2 }), "load 1.70 / 2 cores");
  assert.match(loadText({ load: [2.6, 1.0, 0.5], cores: 2 }), /busy: other work running/);
  const now = machineLoad();
  assert.equal(now.load.length, 3);
  assert.ok(now.cores >= 1);
});

Deno.test("torchEnv() pins every thread pool to our thread count, even without Python", async () => {
  const te = await torchEnv("/nonexistent/python3", 1);
  assert.equal(te.env.OMP_NUM_THREADS, "1");
  assert.equal(te.env.MKL_NUM_THREADS, "1");
  assert.equal(te.env.OPENBLAS_NUM_THREADS, "1");
  assert.match(te.note, /1 thread\(s\) pinned/);
});
