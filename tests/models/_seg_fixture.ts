// Shared helpers of the segmentation parity tests: the fixture made by tools/make_seg_fixture.py
// (official SLaK segmentation backbone + a PyTorch reference of mmseg's UPerHead/FCNHead).
import { readNpy, toFloat32 } from "../../lib/io/mod.ts";
import type { HostTensor } from "../../lib/io/mod.ts";
import { validateSegConfig } from "../../lib/models/segmentation/mod.ts";
import type { SegModelConfig } from "../../lib/models/segmentation/mod.ts";
import { tf } from "../../lib/tf.ts";

/** The fixture folder. */
export const SEG_DIR = new URL("../fixtures/segmentation/", import.meta.url).pathname;

/** fixture.json, parsed. */
export const FIXTURE = JSON.parse(await Deno.readTextFile(`${SEG_DIR}fixture.json`));

/** The fixture's model as our config (dropout rates as given unless overridden). */
export function fixtureConfig(overrides: { dropout?: number | undefined } = {}): SegModelConfig {
  const f = FIXTURE;
  const d = overrides.dropout;
  return validateSegConfig({
    backbone: f.backbone,
    outIndices: f.outIndices,
    numClasses: f.head.numClasses,
    ignoreIndex: f.ignoreIndex,
    head: {
      channels: f.head.channels,
      poolScales: f.head.poolScales,
      dropout: d ?? f.head.dropout,
    },
    aux: {
      channels: f.aux.channels,
      inIndex: f.aux.inIndex,
      numConvs: f.aux.numConvs,
      kernelSize: f.aux.kernelSize,
      dropout: d ?? f.aux.dropout,
      lossWeight: f.aux.lossWeight,
    },
  }, "fixture.json");
}

/** A fixture .npy file. */
export async function npy(name: string): Promise<HostTensor> {
  return readNpy(await Deno.readFile(`${SEG_DIR}${name}`), name);
}

/** A float NCHW .npy as an NHWC tensor. */
export async function nhwc(name: string): Promise<tf.Tensor4D> {
  const t = await npy(name);
  const shape = t.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(t), shape, "float32"), [0, 2, 3, 1]));
}

/** The values of an NHWC tensor in NCHW order (to compare with PyTorch). */
export async function nchwValues(x: tf.Tensor4D): Promise<Float32Array> {
  const t = tf.transpose(x, [0, 3, 1, 2]);
  try {
    return await t.data() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** max |a − ref| / max |ref|. */
export function relError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) throw new Error(`length ${a.length} vs ${ref.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - ref[i]!));
    den = Math.max(den, Math.abs(ref[i]!));
  }
  return num / den;
}

/** The labels [N, H, W] as an int32 tensor. */
export async function labelTensor(): Promise<tf.Tensor3D> {
  const t = await npy("labels.npy");
  return tf.tensor3d(Int32Array.from(t.data as Uint8Array), t.shape as [number, number, number]);
}
