/**
 * `slak bench threads`: speedup of the cpu backend's wasm kernels with N threads over 1 thread
 * (GEMM, large-kernel depthwise forward / dX / dW, the fused decomposed inference op), measured
 * interleaved in one process (rounds alternate 1 and N threads; medians compared) and checked to
 * give the same bytes. Table on stdout, machine load next to it.
 *
 * @module
 */
import { Command } from "commander";
import { loadText, machineLoad } from "./_bench_env.ts";
import { out, positiveInt, textTable, threadsOption } from "./_common.ts";
import { depthwiseGeometry, setThreadCount, shutdownThreads, threadCount } from "../lib/ops/mod.ts";
import { matmulWasm } from "../lib/ops/matmul/wasm_matmul.ts";
import {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseForwardWasm,
  depthwiseSumWasm,
} from "../lib/ops/large_depthwise/wasm_depthwise.ts";

/** One benchmarked kernel call. */
interface Case {
  name: string;
  run: () => Float32Array | null;
}

function noise(count: number, seed: number): Float32Array {
  const a = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

function cases(): Case[] {
  const gemm = (m: number, k: number, n: number): Case => {
    const a = noise(m * k, 1);
    const b = noise(k * n, 2);
    return { name: `gemm ${m}x${k}x${n}`, run: () => matmulWasm(a, b, m, k, n, false, false) };
  };
  const dw = (xs: number[], fs: number[]): Case[] => {
    const g = depthwiseGeometry(xs, fs);
    const x = noise(xs.reduce((p, q) => p * q), 3);
    const f = noise(fs.reduce((p, q) => p * q), 4);
    const dy = noise(x.length, 5);
    const id = `[${xs}] k${fs[0]}x${fs[1]}`;
    return [
      { name: `depthwise fwd ${id}`, run: () => depthwiseForwardWasm(x, f, g) },
      { name: `depthwise dX ${id}`, run: () => depthwiseBackpropInputWasm(dy, f, g) },
      { name: `depthwise dW ${id}`, run: () => depthwiseBackpropFilterWasm(x, dy, g) },
    ];
  };
  const fused = (xs: number[], k: number, s: number): Case => {
    const c = xs[3]!;
    const x = noise(xs.reduce((p, q) => p * q), 6);
    const terms = [[k, s], [s, k]].map(([kh, kw], i) => ({
      filter: noise(kh! * kw! * c, 7 + i),
      g: depthwiseGeometry(xs, [kh!, kw!, c, 1]),
    }));
    const bias = noise(c, 9);
    return {
      name: `fused ${k}x${s}+${s}x${k} [${xs}]`,
      run: () => depthwiseSumWasm(x, terms, bias),
    };
  };
  return [
    gemm(8192, 64, 256),
    gemm(2048, 256, 128),
    ...dw([16, 16, 16, 64], [13, 5, 64, 1]),
    ...dw([16, 8, 8, 128], [15, 15, 128, 1]),
    fused([1, 56, 56, 96], 51, 5),
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeOnce(c: Case, threads: number): { ms: number; bytes: Uint8Array } {
  setThreadCount(threads);
  const t0 = performance.now();
  const y = c.run();
  const ms = performance.now() - t0;
  if (y === null) throw new Error(`${c.name}: WebAssembly SIMD unavailable`);
  return { ms, bytes: new Uint8Array(y.buffer, y.byteOffset, y.byteLength) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The `threads` subcommand (mounted as `slak bench threads`). */
export function benchThreadsCommand() {
  return new Command("threads")
    .description("speedup of the cpu kernels with --threads N over 1 thread (same process)")
    .addOption(threadsOption())
    .option("--rounds <n>", "interleaved rounds (1 thread, then N)", positiveInt("--rounds"), 5)
    .option("--json", "print JSON instead of a table", false)
    .action((opts) => {
      const n = threadCount();
      const rows: { kernel: string; ms1: number; msN: number; speedup: number; same: boolean }[] =
        [];
      const before = machineLoad();
      try {
        for (const c of cases()) {
          timeOnce(c, 1); // warm-up: instantiation, memory growth, thread start
          timeOnce(c, n);
          const t1: number[] = [];
          const tN: number[] = [];
          let same = true;
          for (let r = 0; r < opts.rounds; r++) {
            const a = timeOnce(c, 1);
            const b = timeOnce(c, n);
            t1.push(a.ms);
            tN.push(b.ms);
            same &&= sameBytes(a.bytes.slice(), b.bytes);
          }
          const ms1 = median(t1);
          const msN = median(tN);
          rows.push({ kernel: c.name, ms1, msN, speedup: ms1 / msN, same });
          console.error(`${c.name}: ${(ms1 / msN).toFixed(2)}x`);
        }
      } finally {
        shutdownThreads();
        setThreadCount(n);
      }
      const load = `${loadText(before)} before, ${loadText()} after`;
      if (opts.json) {
        out(JSON.stringify({ threads: n, rounds: opts.rounds, load, rows }, null, 2));
        return;
      }
      out(
        textTable([
          ["kernel", "1 thread ms", `${n} threads ms`, "speedup", "same bytes"],
          ...rows.map((r) => [
            r.kernel,
            r.ms1.toFixed(2),
            r.msN.toFixed(2),
            `${r.speedup.toFixed(2)}x`,
            r.same ? "yes" : "NO",
          ]),
        ]),
      );
      out(`medians of ${opts.rounds} interleaved rounds · ${load}`);
      if (rows.some((r) => !r.same)) throw new Error("results differ between thread counts");
    });
}
