// The staged (workgroup-memory) WebGPU programs: forward and data gradient against tfjs's cpu
// kernels and our line programs over odd shapes (K 3..61, M×N and N×M, sizes that are not
// multiples of the tile, C 1/3/8/96), over tile plans squeezed into small workgroup memory, and
// with deliberate staging faults that the comparison must catch.
import assert from "node:assert/strict";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  initBackend,
  largeKernelDepthwiseBackpropFilter,
  largeKernelDepthwiseConv2d,
} from "../../lib/ops/mod.ts";
import { depthwiseGeometry } from "../../lib/ops/large_depthwise/geometry.ts";
import {
  DepthwiseStagedProgram,
  type StagedFault,
} from "../../lib/ops/large_depthwise/webgpu_staged_program.ts";
import {
  planStagedFilter,
  StagedFilterPartialProgram,
} from "../../lib/ops/large_depthwise/webgpu_staged_filter_program.ts";
import { ReducePartialsProgram } from "../../lib/ops/large_depthwise/webgpu_backprop_filter_program.ts";
import {
  MIN_WORKGROUP_STORAGE,
  planStaged,
  type StagedPlan,
} from "../../lib/ops/large_depthwise/webgpu_staged_plan.ts";
import {
  prefersLinePrograms,
  prefersStagedPrograms,
} from "../../lib/ops/large_depthwise/program_family.ts";
import { tf } from "../../lib/tf.ts";
import { requireWebGpu } from "../_webgpu.ts";
import { programsRun } from "./_programs.ts";
import { checkAllCases, checkGrads } from "./_run_cases.ts";
import { assertClose, type Case, caseTensors } from "./_shapes.ts";

/** [n, h, w, c, kh, kw]: K 3..61 both ways round, lines longer than one 64-output tile. */
const STAGED_CASES: Case[] = [
  [2, 7, 9, 1, 3, 3],
  [2, 19, 23, 3, 13, 5],
  [1, 21, 17, 8, 5, 13],
  [1, 37, 29, 96, 31, 5],
  [1, 29, 41, 8, 5, 31],
  [1, 57, 13, 3, 51, 5],
  [1, 13, 70, 8, 5, 61],
  [1, 9, 10, 3, 61, 61],
  [1, 66, 9, 96, 51, 5],
  [1, 11, 59, 1, 5, 51],
];

/** tfjs cpu forward, data gradient and filter gradient of one case (the oracle), as host arrays. */
async function reference(shape: Case, seed: number) {
  await tf.setBackend("cpu");
  const t = caseTensors(shape, seed);
  const y = tf.depthwiseConv2d(t.x, t.filter, 1, "same");
  const dx = tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", {
    dy: t.dy,
    filter: t.filter,
  }, { strides: 1, pad: "same", dilations: 1, inputShape: t.x.shape }) as tf.Tensor;
  const dw = tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x: t.x, dy: t.dy }, {
    strides: 1,
    pad: "same",
    dilations: 1,
    filterShape: t.filter.shape,
  }) as tf.Tensor;
  const want = { y: await y.data(), dx: await dx.data(), dw: await dw.data() };
  tf.dispose([y, dx, dw]);
  return { ...t, want };
}

/** Runs one staged program directly (with a given plan / fault) on the webgpu backend. */
function runStaged(
  a: tf.Tensor4D,
  filter: tf.Tensor4D,
  flip: boolean,
  plan: StagedPlan,
  fault: StagedFault = {},
): tf.Tensor {
  const g = depthwiseGeometry(a.shape, filter.shape);
  const b = tf.backend() as unknown as WebGPUBackend;
  const info = b.runWebGPUProgram(new DepthwiseStagedProgram(g, flip, plan, fault), [
    a,
    filter,
  ], "float32");
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Moves host tensors onto the current backend (fresh copies). */
function onBackend<T extends tf.Tensor>(t: T): T {
  return tf.tensor(t.dataSync(), t.shape, "float32") as T;
}

Deno.test("staged family: forward, dx and dW match tfjs cpu and the line programs", async () => {
  if (!(await requireWebGpu("staged depthwise parity"))) return;
  for (const [i, shape] of STAGED_CASES.entries()) {
    const r = await reference(shape, 300 + 11 * i);
    await initBackend("webgpu");
    const [x, filter, dy] = [onBackend(r.x), onBackend(r.filter), onBackend(r.dy)];
    const label = `x[${shape.slice(0, 4)}] k${shape[4]}x${shape[5]}`;
    const keys = programsRun(() => {
      const y = largeKernelDepthwiseConv2d(x, filter, { family: "staged" });
      tf.dispose(y);
    });
    assert.ok(keys.some((k) => k.startsWith("slakDwStaged_")), `${label}: ran ${keys}`);
    const dwKeys = programsRun(() => {
      tf.dispose(largeKernelDepthwiseBackpropFilter(x, dy, filter.shape, { family: "staged" }));
    });
    assert.ok(dwKeys.some((k) => k.startsWith("slakDwStagedFilter_")), `${label}: ${dwKeys}`);
    const y = largeKernelDepthwiseConv2d(x, filter, { family: "staged" });
    const yLine = largeKernelDepthwiseConv2d(x, filter, { family: "line" });
    const g = depthwiseGeometry(x.shape, filter.shape);
    const dx = runStaged(dy, filter, true, planStaged(g));
    const dw = largeKernelDepthwiseBackpropFilter(x, dy, filter.shape, { family: "staged" });
    const yData = await y.data();
    assertClose(yData, r.want.y, `${label} forward vs tfjs`);
    assertClose(yData, await yLine.data(), `${label} forward vs line`);
    assertClose(await dx.data(), r.want.dx, `${label} dx vs tfjs`);
    assertClose(await dw.data(), r.want.dw, `${label} dW vs tfjs`);
    tf.dispose([x, filter, dy, y, yLine, dx, dw, r.x, r.filter, r.dy]);
  }
});

Deno.test("staged programs stay exact under tight workgroup memory and every plan shape", async () => {
  if (!(await requireWebGpu("staged depthwise plans"))) return;
  const shape: Case = [2, 23, 19, 5, 15, 7];
  const r = await reference(shape, 77);
  await initBackend("webgpu");
  const [x, filter] = [onBackend(r.x), onBackend(r.filter)];
  const g = depthwiseGeometry(x.shape, filter.shape);
  const plans: StagedPlan[] = [
    planStaged(g, 2048), // forces fewer channels, staged filter rows < KB
    planStaged(g, MIN_WORKGROUP_STORAGE),
    { r: 4, nt: 2, tb: 3, fb: 2, cw: 2 }, // steps not dividing KB, TB not dividing LB
    { r: 8, nt: 1, tb: 1, fb: 7, cw: 8 },
    { r: 5, nt: 3, tb: 2, fb: 4, cw: 4 },
  ];
  for (const plan of plans) {
    const y = runStaged(x, filter, false, plan);
    assertClose(await y.data(), r.want.y, `plan ${JSON.stringify(plan)}`);
    tf.dispose(y);
  }
  const dy = onBackend(r.dy);
  for (const bytes of [1024, 4096, MIN_WORKGROUP_STORAGE]) {
    const fp = planStagedFilter(g, bytes);
    const partial = new StagedFilterPartialProgram(g, fp);
    const b = tf.backend() as unknown as WebGPUBackend;
    const parts = b.runWebGPUProgram(partial, [x, dy], "float32");
    const reduce = new ReducePartialsProgram(filter.shape, partial.chunks);
    const dw = tf.engine().makeTensorFromTensorInfo(
      b.runWebGPUProgram(reduce, [parts], "float32"),
    );
    b.disposeData(parts.dataId);
    assertClose(await dw.data(), r.want.dw, `dW plan ${JSON.stringify(fp)} (${bytes} B)`);
    tf.dispose(dw);
  }
  dy.dispose();
  const tight = planStaged(g, 2048);
  assert.ok(tight.fb < 7 || tight.cw < 8, `2 KiB plan must shrink: ${JSON.stringify(tight)}`);
  tf.dispose([x, filter, r.x, r.filter, r.dy]);
});

Deno.test("broken staging (no barrier, tile shifted by one) is caught", async () => {
  if (!(await requireWebGpu("staged depthwise faults"))) return;
  const shape: Case = [1, 40, 12, 16, 31, 5];
  const r = await reference(shape, 55);
  await initBackend("webgpu");
  const [x, filter] = [onBackend(r.x), onBackend(r.filter)];
  const plan = planStaged(depthwiseGeometry(x.shape, filter.shape));
  const good = runStaged(x, filter, false, plan);
  assertClose(await good.data(), r.want.y, "unbroken");
  for (const fault of [{ skipBarrier: true }, { shiftTile: true }]) {
    const y = runStaged(x, filter, false, plan, fault);
    const data = await y.data();
    assert.throws(
      () => assertClose(data, r.want.y, JSON.stringify(fault)),
      /max \|diff\|/,
      `${JSON.stringify(fault)} went unnoticed`,
    );
    tf.dispose(y);
  }
  tf.dispose([good, x, filter, r.x, r.filter, r.dy]);
});

Deno.test("planStaged() fits 16 KiB and 256 invocations for kernels up to 101", () => {
  for (const k of [3, 5, 13, 31, 51, 61, 101]) {
    for (const [kh, kw] of [[k, 5], [5, k], [k, k]] as const) {
      const g = depthwiseGeometry([1, 56, 56, 96], [kh, kw, 96, 1]);
      const p = planStaged(g);
      const cols = p.r * p.nt + Math.max(kh, kw) - 1;
      const floats = ((p.tb + p.fb - 1) * cols + p.fb * Math.max(kh, kw)) * p.cw;
      assert.ok(floats * 4 <= MIN_WORKGROUP_STORAGE, `${kh}x${kw}: ${JSON.stringify(p)}`);
      assert.ok(p.cw * p.nt * p.tb <= 256, `${kh}x${kw}: ${JSON.stringify(p)}`);
      assert.ok(p.r >= 4 && p.r <= 8, `${kh}x${kw}: r ${p.r}`);
    }
  }
});

Deno.test("the staged family picks the staged programs; the fused op follows auto", () => {
  const backend = (vendor: string) => ({ adapterInfo: { vendor } }) as unknown as WebGPUBackend;
  assert.equal(prefersStagedPrograms("staged"), true);
  for (const family of ["auto", "line", "tile"] as const) {
    assert.equal(prefersStagedPrograms(family), false, family);
  }
  // The fused decomposed op has no staged variant: "staged" resolves like "auto" there.
  assert.equal(prefersLinePrograms(backend("65541"), "staged"), true);
  assert.equal(prefersLinePrograms(backend("4318"), "staged"), false);
});

Deno.test("staged family: the shared parity cases and tf.grads match tfjs cpu", async () => {
  if (!(await requireWebGpu("staged depthwise shared cases"))) return;
  await initBackend("webgpu");
  await checkAllCases("webgpu", { family: "staged" });
  await checkGrads("webgpu", { family: "staged" });
});
