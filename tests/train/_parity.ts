/** The training-parity fixture (tools/make_train_parity_fixture.py) and the config mirroring it. */

import assert from "node:assert/strict";
import type { ModelConfig } from "../../lib/config/model_config.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";
import { toFloat32 } from "../../lib/io/host_tensor.ts";
import { initMasks, MASK_KEY_PREFIX } from "../../lib/train/init_state.ts";
import { tensorsOf } from "./_util.ts";

/** Folder of the fixture (ends with a slash). */
export const FIX = new URL("../fixtures/train_parity/", import.meta.url).pathname;

/** expected.json of the fixture (the fields the tests use). */
export interface Expected {
  steps: number;
  batchSize: number;
  classes: number;
  model: {
    depths: number[];
    dims: number[];
    kernelSizes: number[];
    smallKernel: number;
    lkMode: string;
    bn: boolean;
    sparsity: number;
  };
  optimizer: {
    lr: number;
    minLr: number;
    warmupSteps: number;
    weightDecay: number;
    betas: [number, number];
    eps: number;
  };
  sparsity: { pruneRate: number; updateEvery: number; growth: string };
  labelSmoothing: number;
  normalize: { mean: number[]; std: number[] };
  masked: string[];
  losses: number[];
  lrs: number[];
  topologyChangedAfterSteps: number[];
}

/** The fixture's expected.json. */
export const expected: Expected = JSON.parse(Deno.readTextFileSync(`${FIX}expected.json`));

/** The training config that mirrors the fixture's official run (`init`: the run.init path). */
export function parityConfig(e: Expected, init: string): Record<string, unknown> {
  return {
    model: {
      name: "slak_nano",
      overrides: {
        ...e.model,
        widthFactor: 1,
        dropPath: 0,
        layerScaleInit: 1,
        headInitScale: 1,
      },
    },
    data: {
      kind: "npy",
      images: `${FIX}train_images.npy`,
      labels: `${FIX}train_labels.npy`,
      testImages: `${FIX}test_images.npy`,
      testLabels: `${FIX}test_labels.npy`,
      layout: "nchw",
      numClasses: e.classes,
      shuffle: false,
      normalize: e.normalize,
    },
    optimizer: {
      lr: e.optimizer.lr,
      weightDecay: e.optimizer.weightDecay,
      betas: e.optimizer.betas,
      eps: e.optimizer.eps,
      batchSize: e.batchSize,
      accumSteps: 1,
    },
    schedule: {
      epochs: 1,
      warmupEpochs: e.optimizer.warmupSteps / e.steps,
      minLr: e.optimizer.minLr,
    },
    sparsity: {
      init: "snip",
      updateEvery: e.sparsity.updateEvery,
      pruneRate: e.sparsity.pruneRate,
      growth: e.sparsity.growth,
    },
    regularization: { labelSmoothing: e.labelSmoothing, mixup: 0, cutmix: 0, emaDecay: null },
    run: { seed: 0, init },
  };
}

/**
 * Tolerances (losses: 1e-5 in the test): float32 round-off only. Measured differences on the cpu
 * backend: losses <= 1.2e-7, weights and BN buffers <= 5e-7 after 6 steps. One AdamW step at lr 1e-2 moves a weight by up to
 * 1e-2 and weight decay by lr·wd·|w| = 5e-4·|w|, so a missed step, a wrong mask or decay on a
 * 1-D parameter exceeds these by far.
 */
/** Absolute tolerance of a weight. */
export const WEIGHT_ATOL = 1e-5;
/** Tolerance relative to the largest |value| of the tensor. */
export const WEIGHT_RTOL = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function splitMasks(all: Map<string, HostTensor>) {
  const weights = new Map<string, HostTensor>();
  const masks = new Map<string, HostTensor>();
  for (const [k, v] of all) {
    if (k.startsWith(MASK_KEY_PREFIX)) masks.set(k.slice(MASK_KEY_PREFIX.length), v);
    else weights.set(k, v);
  }
  return { weights, masks };
}

/**
 * Asserts that the run in `runDir` ended where the official loop did: every weight and BN buffer
 * of checkpoints/last.safetensors within tolerance of final.safetensors, and the same masks
 * (checkpoints/state.safetensors, tfjs layout) on the same layers.
 */
export function assertMatchesOfficial(runDir: string, modelConfig: ModelConfig): void {
  const root = runDir;
  // final weights and BN buffers (official layouts, from the run's last checkpoint)
  const ours = tensorsOf(`${root}/checkpoints/last.safetensors`);
  const { weights: want, masks: wantMasks } = splitMasks(tensorsOf(`${FIX}final.safetensors`));
  assert.deepEqual([...ours.keys()].sort(), [...want.keys()].sort());
  for (const [name, w] of want) {
    const a = toFloat32(ours.get(name)!);
    const b = toFloat32(w);
    const d = maxAbsDiff(a, b);
    const tol = WEIGHT_ATOL + WEIGHT_RTOL * maxAbs(b);
    assert.ok(d <= tol, `${name}: max |ours - official| = ${d} > ${tol}`);
  }

  // final masks (the run's state file holds them in tfjs layout)
  const state = tensorsOf(`${root}/checkpoints/state.safetensors`);
  const wantTf = initMasks(
    { source: "fixture", weights: want, masks: wantMasks },
    modelConfig,
    [...wantMasks.keys()],
  );
  const ourMasked = [...state.keys()].filter((k) => k.startsWith("mask.")).map((k) => k.slice(5));
  assert.deepEqual(ourMasked.sort(), [...wantMasks.keys()].sort(), "the same layers masked");
  for (const [name, m] of wantTf) {
    const got = state.get(`mask.${name}`)!.data as Uint8Array;
    let differ = 0;
    for (let i = 0; i < m.length; i++) if ((got[i] !== 0) !== (m[i] !== 0)) differ++;
    assert.equal(differ, 0, `mask of ${name}: ${differ} of ${m.length} entries differ`);
  }
}
