/**
 * Like-with-like baselines for `slak bench`: the PyTorch side runs with the same thread count as
 * ours (torch, OpenMP, MKL and OpenBLAS pinned), OpenBLAS is told the CPU's real family when it
 * misdetects it (it reports e.g. "Prescott" on CPUs newer than it knows and falls back to SSE3
 * kernels), and the machine load is printed next to every ratio.
 *
 * @module
 */

const PROBE = new URL("../bench/blas_probe.py", import.meta.url).pathname;

/** Load averages (1, 5, 15 min) and the number of cores. */
export interface MachineLoad {
  load: [number, number, number];
  cores: number;
}

/** The machine's load now (zeros where /proc/loadavg is unreadable). */
export function machineLoad(): MachineLoad {
  let load: [number, number, number] = [0, 0, 0];
  try {
    const f = Deno.readTextFileSync("/proc/loadavg").split(" ").map(Number);
    load = [f[0] ?? 0, f[1] ?? 0, f[2] ?? 0];
  } catch { /* not Linux */ }
  return { load, cores: navigator.hardwareConcurrency };
}

/**
 * "load 0.52 / 2 cores" (1-minute average, the benchmark's own busy thread included), with a
 * warning when more than the benchmark's thread plus half the cores are busy.
 */
export function loadText(l: MachineLoad = machineLoad()): string {
  const busy = l.load[0] > 1 + l.cores / 2 ? " (busy: other work running, ratios unreliable)" : "";
  return `load ${l.load[0].toFixed(2)} / ${l.cores} cores${busy}`;
}

/**
 * The OpenBLAS core type for this CPU from /proc/cpuinfo flags: SKYLAKEX for AVX-512 (Intel
 * Skylake-X and later, AMD Zen 4/5), ZEN / HASWELL for AVX2 (AMD / Intel), SANDYBRIDGE for AVX,
 * null when unknown.
 */
export function openblasCoretype(cpuinfo: string): string | null {
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "").split(/\s+/));
  const amd = /AuthenticAMD/.test(cpuinfo);
  if (flags.has("avx512f") && flags.has("avx512bw") && flags.has("avx512vl")) return "SKYLAKEX";
  if (flags.has("avx2") && flags.has("fma")) return amd ? "ZEN" : "HASWELL";
  if (flags.has("avx")) return "SANDYBRIDGE";
  return null;
}

/** Families an OpenBLAS core name can stand for, to compare with {@link openblasCoretype}. */
function sameFamily(reported: string, expected: string): boolean {
  const r = reported.toUpperCase();
  const avx512 = ["SKYLAKEX", "COOPERLAKE", "SAPPHIRERAPIDS", "ZEN4", "ZEN5"];
  if (expected === "SKYLAKEX") return avx512.some((n) => r.includes(n));
  if (expected === "ZEN") return r.includes("ZEN");
  if (expected === "HASWELL") return ["HASWELL", "SKYLAKE", "ZEN"].some((n) => r.includes(n));
  return r.includes(expected);
}

/** What the baseline's BLAS reported, and the environment the baseline runs with. */
export interface TorchEnv {
  /** Environment variables for the PyTorch process. */
  env: Record<string, string>;
  /** One line for the report: threads, BLAS and its core type, any correction made. */
  note: string;
}

interface Probe {
  torch: string;
  libraries: { api: string | null; architecture: string | null; version: string | null }[];
  /** Real paths of the loaded BLAS / LAPACK / oneDNN libraries. */
  loaded?: string[];
}

async function probe(python: string, env: Record<string, string>): Promise<Probe | null> {
  try {
    const r = await new Deno.Command(python, {
      args: [PROBE],
      env,
      stdout: "piped",
      stderr: "null",
    }).output();
    return r.success ? JSON.parse(new TextDecoder().decode(r.stdout)) as Probe : null;
  } catch {
    return null;
  }
}

/**
 * The environment for a PyTorch baseline at `threads` threads: every thread pool pinned, and
 * OPENBLAS_CORETYPE set to the CPU's family when OpenBLAS reports another one (misdetected, or
 * forced to an older family by the environment), so the baseline runs its best kernels.
 */
export async function torchEnv(python: string, threads: number): Promise<TorchEnv> {
  const t = String(threads);
  const env: Record<string, string> = {
    OMP_NUM_THREADS: t,
    MKL_NUM_THREADS: t,
    OPENBLAS_NUM_THREADS: t,
  };
  let cpuinfo = "";
  try {
    cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  } catch { /* not Linux */ }
  const expected = openblasCoretype(cpuinfo);
  const user = Deno.env.get("OPENBLAS_CORETYPE");
  const first = await probe(python, env);
  const blas = first?.libraries.find((l) => l.api === "openblas");
  let note = `torch ${first?.torch ?? "?"}, ${threads} thread(s) pinned`;
  if (!blas) {
    const reference = (first?.loaded ?? []).some((p) => /\/blas\/libblas\.so/.test(p));
    if (reference) {
      return {
        env,
        note: `${note}; BLAS: the reference (netlib) libblas, slow: not a fair baseline ` +
          `(apt-get install libopenblas0-pthread)`,
      };
    }
    const apis = first?.libraries.map((l) => l.api).filter(Boolean).join(", ");
    return { env, note: `${note}; BLAS: ${apis || "not reported (no threadpoolctl?)"}` };
  }
  note += `; OpenBLAS ${blas.version ?? ""} core ${blas.architecture ?? "?"}`;
  if (user) note += ` (OPENBLAS_CORETYPE=${user} in the environment)`;
  if (expected && blas.architecture && !sameFamily(blas.architecture, expected)) {
    // misdetected, or forced to an older family: give the baseline this CPU's real kernels
    env.OPENBLAS_CORETYPE = expected;
    const again = await probe(python, env);
    const now = again?.libraries.find((l) => l.api === "openblas")?.architecture ?? "?";
    note += `, not this CPU's family: OPENBLAS_CORETYPE=${expected} set (now ${now})`;
  }
  return { env, note };
}
