/**
 * `slak eval` end to end: against the official pipeline (tests/fixtures/eval, made by
 * tools/make_eval_fixture.py: torchvision's eval transform + the official SLaK model on the same
 * files) and on a tiny ImageFolder generated here.
 */
import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import { readNpy } from "../../lib/io/npy.ts";
import { encodeSafetensors } from "../../lib/io/safetensors.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";
import { buildModel, disposeModel, loadStateDict, readWeightsFile } from "../../lib/models/mod.ts";
import type { ModelConfig } from "../../lib/config/model_config.ts";
import { STATE_KEY, STATE_VERSION } from "../../lib/train/checkpoint.ts";
import { EXIT } from "../../lib/util/errors.ts";
import { runCli } from "./_run.ts";

const FIXTURE = new URL("../fixtures/eval/", import.meta.url).pathname;

interface Expected {
  classes: string[];
  files: string[];
  labels: number[];
  model: ModelConfig;
}

const expected = JSON.parse(Deno.readTextFileSync(`${FIXTURE}expected.json`)) as Expected;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak_eval_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function npy(path: string): Float32Array {
  return readNpy(Deno.readFileSync(path), path).data as Float32Array;
}

/** max |a - b| / max |b| over the rows `rows` of [n, k] logits. */
function relErr(a: Float32Array, b: Float32Array, k: number, rows: number[]): number {
  let num = 0;
  let den = 0;
  for (const r of rows) {
    for (let j = 0; j < k; j++) {
      num = Math.max(num, Math.abs(a[r * k + j]! - b[r * k + j]!));
      den = Math.max(den, Math.abs(b[r * k + j]!));
    }
  }
  return num / den;
}

function argmax(l: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < l.length / k; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (l[i * k + j]! > l[i * k + best]!) best = j;
    out.push(best);
  }
  return out;
}

/**
 * The fixture's ImageFolder with every JPEG replaced by PIL's decoding of it (a PNG of the same
 * stem, so the file order is unchanged): the official pipeline's exact input pixels.
 */
async function pilDecodedTree(dir: string): Promise<string> {
  const root = `${dir}/pil`;
  for (const rel of expected.files) {
    const [cls, name] = rel.split("/").slice(-2) as [string, string];
    await Deno.mkdir(`${root}/val/${cls}`, { recursive: true });
    if (name.endsWith(".jpg")) {
      const png = name.replace(".jpg", ".png");
      await Deno.copyFile(`${FIXTURE}decoded/${png}`, `${root}/val/${cls}/${png}`);
    } else await Deno.copyFile(`${FIXTURE}imagefolder/${rel}`, `${root}/val/${cls}/${name}`);
  }
  return root;
}

const K = expected.classes.length;
const OFFICIAL = npy(`${FIXTURE}logits.npy`);
const OFFICIAL_EMA = npy(`${FIXTURE}logits_ema.npy`);
const ALL = expected.labels.map((_, i) => i);

Deno.test("slak eval: official transform + model on PIL's pixels, logits within 1e-3", async () => {
  await withDir(async (dir) => {
    const root = await pilDecodedTree(dir);
    const r = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      `kind=imagefolder,path=${root}`,
      "--backend",
      "cpu",
      "--batch-size",
      "3",
      "--logits",
      `${dir}/logits.npy`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = npy(`${dir}/logits.npy`);
    assert.equal(got.length, OFFICIAL.length);
    const err = relErr(got, OFFICIAL, K, ALL);
    assert.ok(err < 1e-3, `relative error ${err}`);
    assert.deepEqual(argmax(got, K), argmax(OFFICIAL, K));
    const res = JSON.parse(r.stdout);
    const pred = argmax(OFFICIAL, K);
    const hits = expected.labels.filter((y, i) => pred[i] === y).length;
    assert.equal(res.images, expected.labels.length);
    assert.ok(Math.abs(res.top1 - hits / expected.labels.length) < 1e-12);
    assert.equal(res.top5, null, "3 classes: no top-5");
    assert.deepEqual(res.classes.map((c: { name: string }) => c.name), expected.classes);
    for (let c = 0; c < K; c++) {
      const idx = ALL.filter((i) => expected.labels[i] === c);
      assert.equal(res.classes[c].images, idx.length);
      assert.ok(
        Math.abs(res.classes[c].top1 - idx.filter((i) => pred[i] === c).length / idx.length) <
          1e-12,
      );
    }
    assert.deepEqual(res.transform, { size: 224, cropPct: 0.875, interpolation: "bicubic" });
    assert.ok(res.loss > 0 && res.imgPerSec > 0);
    assert.match(r.stderr, /7\/7 images/, "progress on stderr");
  });
});

Deno.test("slak eval: the fixture's JPEG/PNG files with our decoder: logits within 1e-3", async () => {
  await withDir(async (dir) => {
    const r = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      `{kind: imagefolder, path: ${FIXTURE}imagefolder}`,
      "--backend",
      "cpu",
      "--logits",
      `${dir}/logits.npy`,
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = npy(`${dir}/logits.npy`);
    assert.deepEqual(argmax(got, K), argmax(OFFICIAL, K));
    const png = ALL.filter((i) => expected.files[i]!.endsWith(".png"));
    const jpg = ALL.filter((i) => expected.files[i]!.endsWith(".jpg"));
    assert.ok(relErr(got, OFFICIAL, K, png) < 1e-3);
    // the default JPEG decoder is libjpeg-turbo, as PIL's (tests/data/eval_transform_test.ts)
    assert.ok(relErr(got, OFFICIAL, K, jpg) < 1e-3);
    assert.match(r.stdout, /imagefolder:imagefolder\s+7\s+\d+\.\d%/, "the human table on stdout");
    assert.equal(r.stderr.includes("images,"), false, "--quiet: no progress");
  });
});

Deno.test("slak eval --ema: model_ema of an official .pth, and a run's state file", async () => {
  await withDir(async (dir) => {
    const root = await pilDecodedTree(dir);
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(expected.model));
    const common = ["--data", `kind=imagefolder,path=${root}`, "--backend", "cpu", "--quiet"];
    const pth = await runCli([
      "eval",
      "slak_tiny",
      "--config",
      `${dir}/model.json`,
      "--weights",
      `${FIXTURE}checkpoint.pth`,
      "--ema",
      "--logits",
      `${dir}/ema.npy`,
      ...common,
    ]);
    assert.equal(pth.code, 0, pth.stderr);
    assert.ok(relErr(npy(`${dir}/ema.npy`), OFFICIAL_EMA, K, ALL) < 1e-3);

    // a run folder: checkpoints/last.safetensors + state.safetensors holding ema.* (tfjs layouts)
    const ck = `${dir}/run/checkpoints`;
    await Deno.mkdir(ck, { recursive: true });
    await Deno.copyFile(`${FIXTURE}model.safetensors`, `${ck}/last.safetensors`);
    const ema = await readWeightsFile(`${FIXTURE}checkpoint.pth`, { entry: "model_ema" });
    const m = buildModel(expected.model, { zeros: true });
    const tensors: [string, HostTensor][] = [];
    try {
      loadStateDict(m, ema.state, "checkpoint.pth");
      for (const [name, v] of [...m.params, ...m.buffers]) {
        const data = (await v.data()) as Float32Array;
        tensors.push([`ema.${name}`, { dtype: "float32", shape: [...v.shape], data }]);
      }
    } finally {
      disposeModel(m);
    }
    const meta = { [STATE_KEY]: JSON.stringify({ version: STATE_VERSION }) };
    await Deno.writeFile(`${ck}/state.safetensors`, encodeSafetensors(tensors, meta));
    const run = await runCli([
      "eval",
      "--weights",
      `${ck}/last.safetensors`,
      "--ema",
      "--logits",
      `${dir}/run_ema.npy`,
      ...common,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(relErr(npy(`${dir}/run_ema.npy`), OFFICIAL_EMA, K, ALL) < 1e-3);
    assert.ok(relErr(npy(`${dir}/run_ema.npy`), OFFICIAL, K, ALL) > 1e-2, "not the plain model");
  });
});

/** A solid-colour RGB PNG. */
function solidPng(w: number, h: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  return encodePng({ width: w, height: h, data, channels: 3, depth: 8 });
}

Deno.test("slak eval: a generated ImageFolder, its file order and errors", async () => {
  await withDir(async (dir) => {
    // classes from train/ (sorted); val/ misses one class; an odd file is ignored
    const classes = ["c_blue", "a_red", "b_green"];
    for (const c of classes) await Deno.mkdir(`${dir}/tree/train/${c}`, { recursive: true });
    const colours: Record<string, [number, number, number]> = {
      a_red: [220, 30, 20],
      c_blue: [20, 40, 230],
    };
    const files: [string, string, number, number][] = [
      ["c_blue", "z.png", 40, 90],
      ["a_red", "b.png", 300, 200],
      ["a_red", "a.png", 64, 48],
      ["c_blue", "m.png", 256, 256],
    ];
    for (const [c, f, w, h] of files) {
      await Deno.mkdir(`${dir}/tree/val/${c}`, { recursive: true });
      await Deno.writeFile(`${dir}/tree/val/${c}/${f}`, solidPng(w, h, colours[c]!));
    }
    await Deno.writeTextFile(`${dir}/tree/val/a_red/notes.txt`, "not an image");
    await Deno.writeTextFile(
      `${dir}/data.yaml`,
      `data:\n  kind: imagefolder\n  path: ${dir}/tree\n`,
    );
    const r = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      `${dir}/data.yaml`,
      "--backend",
      "cpu",
      "--crop-pct",
      "1.0",
      "--interpolation",
      "bilinear",
      "--logits",
      `${dir}/l.npy`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.equal(res.images, 4);
    assert.deepEqual(res.classes.map((c: { name: string; images: number }) => [c.name, c.images]), [
      ["a_red", 2],
      ["b_green", 0],
      ["c_blue", 2],
    ]);
    assert.equal(res.classes[1].top1, null);
    assert.deepEqual(res.transform, { size: 224, cropPct: 1, interpolation: "bilinear" });
    // file order a_red/a, a_red/b, c_blue/m, c_blue/z: solid images of one colour give one logit row
    const l = npy(`${dir}/l.npy`);
    assert.deepEqual([...l.subarray(0, 3)], [...l.subarray(3, 6)]);
    assert.deepEqual([...l.subarray(6, 9)], [...l.subarray(9, 12)]);
    assert.notDeepEqual([...l.subarray(0, 3)], [...l.subarray(6, 9)]);
    const pred = argmax(l, K);
    const top1 = [0, 0, 2, 2].filter((y, i) => pred[i] === y).length / 4;
    assert.ok(Math.abs(res.top1 - top1) < 1e-12);

    const noVal = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      `kind=imagefolder,path=${dir}/tree/train`,
    ]);
    assert.equal(noVal.code, EXIT.data, noVal.stderr);
    assert.match(noVal.stderr, /missing .*\/val\/<class>\/<image>/);
    const badCrop = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      `kind=imagefolder,path=${dir}/tree`,
      "--crop-pct",
      "0",
    ]);
    assert.equal(badCrop.code, EXIT.usage);
    assert.match(badCrop.stderr, /--crop-pct/);
    const badSpec = await runCli([
      "eval",
      "--weights",
      `${FIXTURE}model.safetensors`,
      "--data",
      "kind=imagefolder,oops",
    ]);
    assert.equal(badSpec.code, EXIT.config, badSpec.stderr);
    assert.match(badSpec.stderr, /"oops" is not key=value/);
  });
});
