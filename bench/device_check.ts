/**
 * One-shot WebGPU check for a machine with a real GPU (see shared/device.md and
 * bench/device_check.sh): on the adapter at hand, (1) correctness of our forward and data-gradient
 * programs of every family (line, tile, staged) against tfjs's cpu kernels over odd shapes, and
 * (2) speed of each family (forward, dx, dW) against tfjs's built-in WebGPU depthwise kernels on
 * the SLaK shapes.
 * Prints a compact table and writes the raw JSON to `--out` (default $OUT/device_check.json).
 *
 * Timing: `reps` calls queued back to back, then one readback; per-call ms = total / reps (the
 * readback of one output is included once). GPU timestamps (`tf.time(...).kernelMs`) are added
 * where the adapter supports them.
 *
 * Usage: deno run -A --unstable-webgpu bench/device_check.ts [--quick] [--batch 8] [--reps 20]
 *
 * @module
 */
import { tf } from "../lib/tf.ts";
import {
  type DepthwiseProgramFamily,
  initBackend,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseBackpropInput,
  largeKernelDepthwiseConv2d,
} from "../lib/ops/mod.ts";

/** [n, h, w, c, kh, kw] of a correctness case. */
type CheckCase = [number, number, number, number, number, number];

const CHECK_CASES: CheckCase[] = [
  [2, 7, 9, 1, 3, 3],
  [2, 19, 23, 3, 13, 5],
  [1, 37, 29, 96, 31, 5],
  [1, 29, 41, 8, 5, 31],
  [1, 57, 13, 3, 51, 5],
  [1, 13, 70, 8, 5, 61],
  [1, 9, 10, 3, 61, 61],
  [2, 56, 56, 128, 51, 5],
];

/** [h, c, kh, kw] of a speed case (activation [batch, h, h, c]). */
type SpeedCase = [number, number, number, number];

const SPEED_CASES: SpeedCase[] = [
  [56, 128, 51, 5],
  [56, 128, 5, 51],
  [56, 128, 31, 31],
  [56, 128, 51, 51],
  [28, 249, 49, 5],
  [14, 512, 47, 47],
  [7, 1024, 13, 13],
];

const FAMILIES: DepthwiseProgramFamily[] = ["line", "tile", "staged"];

/** One timed implementation of one pass. */
interface SpeedRow {
  shape: string;
  pass: "fwd" | "dx" | "dw";
  impl: string;
  ms: number;
  kernelMs: number | null;
  relError: number;
}

function argValue(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  return got.length === want.length ? d / Math.max(s, 1e-30) : Infinity;
}

/** Correctness of every family vs tfjs cpu; returns rows of max relative errors. */
async function checkCorrectness(quick: boolean): Promise<Record<string, number | string>[]> {
  const rows: Record<string, number | string>[] = [];
  for (
    const [i, [n, h, w, c, kh, kw]] of (quick ? CHECK_CASES.slice(0, 3) : CHECK_CASES).entries()
  ) {
    await tf.setBackend("cpu");
    const x = tf.randomNormal([n, h, w, c], 0, 1, "float32", 10 + i) as tf.Tensor4D;
    const f = tf.randomNormal([kh, kw, c, 1], 0, 1, "float32", 20 + i) as tf.Tensor4D;
    const dy = tf.randomNormal([n, h, w, c], 0, 1, "float32", 30 + i) as tf.Tensor4D;
    const y = await tf.depthwiseConv2d(x, f, 1, "same").data();
    const dx = await (tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", {
      dy,
      filter: f,
    }, { strides: 1, pad: "same", dilations: 1, inputShape: x.shape }) as tf.Tensor).data();
    const dw = await (tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
      strides: 1,
      pad: "same",
      dilations: 1,
      filterShape: f.shape,
    }) as tf.Tensor).data();
    await tf.setBackend("webgpu");
    const row: Record<string, number | string> = { shape: `[${n},${h},${w},${c}] ${kh}x${kw}` };
    for (const family of FAMILIES) {
      const oy = largeKernelDepthwiseConv2d(x, f, { family });
      const odx = largeKernelDepthwiseBackpropInput(dy, f, { family });
      const odw = largeKernelDepthwiseBackpropFilter(x, dy, f.shape, { family });
      row[`${family} fwd`] = relError(await oy.data(), y);
      row[`${family} dx`] = relError(await odx.data(), dx);
      row[`${family} dW`] = relError(await odw.data(), dw);
      tf.dispose([oy, odx, odw]);
    }
    rows.push(row);
    tf.dispose([x, f, dy]);
  }
  return rows;
}

/** Per-call ms of `fn` over `reps` queued calls (one readback), and GPU kernel ms if known. */
async function timeCalls(
  fn: () => tf.Tensor,
  reps: number,
): Promise<{ ms: number; kernelMs: number | null }> {
  const warm = fn();
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  let last: tf.Tensor | undefined;
  for (let r = 0; r < reps; r++) {
    last?.dispose();
    last = fn();
  }
  await last!.data();
  const ms = (performance.now() - t0) / reps;
  last!.dispose();
  let kernelMs: number | null = null;
  try {
    const info = await tf.time(() => {
      fn().dispose();
    });
    kernelMs = typeof info.kernelMs === "number" ? info.kernelMs : null;
  } catch {
    kernelMs = null;
  }
  return { ms, kernelMs };
}

/** Speed of tfjs built-in vs every family, forward and dx. */
async function checkSpeed(batch: number, reps: number, quick: boolean): Promise<SpeedRow[]> {
  const rows: SpeedRow[] = [];
  const attrs = { strides: 1, pad: "same", dilations: 1 };
  for (const [h, c, kh, kw] of quick ? SPEED_CASES.slice(0, 2) : SPEED_CASES) {
    const shape = `[${batch},${h},${h},${c}] ${kh}x${kw}`;
    const x = tf.randomUniform([batch, h, h, c], -1, 1, "float32", 1) as tf.Tensor4D;
    const f = tf.randomUniform([kh, kw, c, 1], -1, 1, "float32", 2) as tf.Tensor4D;
    const dy = tf.randomUniform([batch, h, h, c], -1, 1, "float32", 3) as tf.Tensor4D;
    const passes = {
      fwd: {
        tfjs: () => tf.depthwiseConv2d(x, f, 1, "same"),
        ours: (family: DepthwiseProgramFamily) => () =>
          largeKernelDepthwiseConv2d(x, f, { family }),
      },
      dx: {
        tfjs: () =>
          tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, {
            ...attrs,
            inputShape: x.shape,
          }) as tf.Tensor,
        ours: (family: DepthwiseProgramFamily) => () =>
          largeKernelDepthwiseBackpropInput(dy, f, { family }),
      },
      dw: {
        tfjs: () =>
          tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
            ...attrs,
            filterShape: f.shape,
          }) as tf.Tensor,
        ours: (family: DepthwiseProgramFamily) => () =>
          largeKernelDepthwiseBackpropFilter(x, dy, f.shape, { family }),
      },
    };
    for (const pass of ["fwd", "dx", "dw"] as const) {
      const ref = passes[pass].tfjs();
      const want = await ref.data();
      ref.dispose();
      const t = await timeCalls(passes[pass].tfjs, reps);
      rows.push({ shape, pass, impl: "tfjs", ...t, relError: 0 });
      for (const family of FAMILIES) {
        const fn = passes[pass].ours(family);
        const out = fn();
        const err = relError(await out.data(), want);
        out.dispose();
        rows.push({ shape, pass, impl: family, ...(await timeCalls(fn, reps)), relError: err });
      }
      console.error(`${shape} ${pass}: done`);
    }
    tf.dispose([x, f, dy]);
  }
  return rows;
}

function speedTable(rows: SpeedRow[]): string {
  const out = [
    "| shape | pass | impl | ms/call | kernel ms | speedup vs tfjs | rel err |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const base = rows.find((b) => b.shape === r.shape && b.pass === r.pass && b.impl === "tfjs");
    const speedup = base ? (base.ms / r.ms).toFixed(2) + "x" : "-";
    out.push(
      `| ${r.shape} | ${r.pass} | ${r.impl} | ${r.ms.toFixed(3)} | ` +
        `${r.kernelMs === null ? "-" : r.kernelMs.toFixed(3)} | ${speedup} | ` +
        `${r.relError.toExponential(1)} |`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const batch = argValue("--batch", quick ? 2 : 8);
  const reps = argValue("--reps", quick ? 3 : 20);
  const outIdx = Deno.args.indexOf("--out");
  const outDir = Deno.env.get("OUT");
  const out = outIdx >= 0 ? Deno.args[outIdx + 1] : outDir ? `${outDir}/device_check.json` : "";
  const gpu = (globalThis.navigator as { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("device check: no WebGPU adapter (run with --unstable-webgpu)");
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.device, info.description]
    .filter((p) => p).join(" / ");
  console.log(
    `adapter: ${adapterName}; workgroup storage ` +
      `${adapter.limits.maxComputeWorkgroupStorageSize} B; batch ${batch}; reps ${reps}`,
  );
  await initBackend("webgpu");
  const correctness = await checkCorrectness(quick);
  console.log("\nmax |ours - tfjs cpu| / max |tfjs cpu| (forward, dx, dW):");
  for (const row of correctness) {
    console.log(
      Object.entries(row).map(([k, v]) => typeof v === "number" ? `${k} ${v.toExponential(1)}` : v)
        .join(" | "),
    );
  }
  const bad = correctness.flatMap((r) =>
    Object.entries(r).filter(([, v]) => typeof v === "number" && !(v <= 1e-4))
  );
  const speed = await checkSpeed(batch, reps, quick);
  console.log("\n" + speedTable(speed));
  const report = { adapter: adapterName, batch, reps, deno: Deno.version.deno, correctness, speed };
  if (out) await Deno.writeTextFile(out, JSON.stringify(report, null, 2));
  if (bad.length > 0) {
    console.log(`\nFAILED correctness: ${JSON.stringify(bad)}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main();
