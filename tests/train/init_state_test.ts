/**
 * `--init FILE` / `run.init`: initial weights and optional masks from a state_dict file, through
 * the Trainer and through `slak train`.
 */
import assert from "node:assert/strict";
import { encodeSafetensors } from "../../lib/io/safetensors.ts";
import type { HostTensor } from "../../lib/io/host_tensor.ts";
import { toFloat32 } from "../../lib/io/host_tensor.ts";
import { exportStateDict } from "../../lib/models/state_dict.ts";
import { initBackend } from "../../lib/ops/backend.ts";
import { openDataset } from "../../lib/data/open_dataset.ts";
import { initMasks, MASK_KEY_PREFIX, readInitState } from "../../lib/train/init_state.ts";
import { resolveTrainConfig } from "../../lib/train/resolve.ts";
import { Trainer } from "../../lib/train/trainer.ts";
import { DataError } from "../../lib/util/errors.ts";
import { runCli } from "../cli/_run.ts";
import { assertMatchesOfficial, expected, FIX, parityConfig } from "./_parity.ts";
import { tensorsOf } from "./_util.ts";

const INIT = `${FIX}init.safetensors`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "slak-init-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A trainer of the parity config with `init` read from `path` (and the config's overrides). */
async function trainerFrom(path: string, overrides: string[] = []) {
  const config = resolveTrainConfig(parityConfig(expected, path), "init-test", overrides);
  const ds = await openDataset(config.data);
  const init = await readInitState(path);
  return {
    config,
    trainer: await Trainer.create(config, { totalSteps: expected.steps, dataset: ds, init }),
  };
}

function writeState(path: string, state: Map<string, HostTensor>): string {
  Deno.writeFileSync(path, encodeSafetensors(state, { format: "pt" }));
  return path;
}

Deno.test("--init: the trainer starts from the file's weights, BN buffers and masks", async () => {
  await initBackend("cpu");
  const { config, trainer } = await trainerFrom(INIT);
  try {
    const file = tensorsOf(INIT);
    const ours = await exportStateDict(trainer.model);
    for (const [name, t] of ours) {
      assert.deepEqual(toFloat32(t), toFloat32(file.get(name)!), name);
    }
    const fileMasks = new Map(
      [...file].filter(([k]) => k.startsWith(MASK_KEY_PREFIX)).map((
        [k, v],
      ) => [k.slice(MASK_KEY_PREFIX.length), v]),
    );
    const want = initMasks(
      { source: "test", weights: new Map(), masks: fileMasks },
      config.modelConfig,
      [...fileMasks.keys()],
    );
    assert.deepEqual([...trainer.sparse!.masks.keys()].sort(), [...want.keys()].sort());
    for (const [name, m] of want) assert.deepEqual(trainer.sparse!.masks.get(name), m, name);
  } finally {
    trainer.dispose();
  }
});

Deno.test("--init without masks: masks by sparsity.init, applied to the loaded weights", async () => {
  await initBackend("cpu");
  await withDir(async (dir) => {
    const file = tensorsOf(INIT);
    const weights = new Map([...file].filter(([k]) => !k.startsWith(MASK_KEY_PREFIX)));
    const path = writeState(`${dir}/w.safetensors`, weights);
    const { trainer } = await trainerFrom(path, ["sparsity.init=erk"]);
    try {
      const sp = trainer.sparse!;
      assert.ok(sp.masks.size > 0, "a sparse model gets masks");
      const ours = await exportStateDict(trainer.model);
      // 1-D parameters and BN buffers come from the file unchanged
      for (const name of ["stages.1.0.gamma", "stages.1.0.large_kernel.LoRA1.bn.running_var"]) {
        assert.deepEqual(toFloat32(ours.get(name)!), toFloat32(file.get(name)!), name);
      }
      // a masked weight: the file's values where active, zero elsewhere
      const name = "stages.2.0.pwconv1.weight"; // linear: torch [out, in], tfjs mask [in, out]
      const m = sp.masks.get(name)!;
      const got = toFloat32(ours.get(name)!);
      const src = toFloat32(file.get(name)!);
      const [outC, inC] = file.get(name)!.shape as [number, number];
      let active = 0;
      for (let o = 0; o < outC; o++) {
        for (let i = 0; i < inC; i++) {
          const on = m[i * outC + o] === 1;
          if (on) active++;
          const want = on ? src[o * inC + i]! : 0;
          assert.ok(
            got[o * inC + i] === want,
            `${name}[${o}, ${i}]: ${got[o * inC + i]} vs ${want}`,
          );
        }
      }
      assert.ok(active > 0 && active < m.length, "partly masked");
    } finally {
      trainer.dispose();
    }
  });
});

Deno.test("--init: DataErrors name the file and the keys that do not fit", async () => {
  await initBackend("cpu");
  await withDir(async (dir) => {
    const file = tensorsOf(INIT);
    const variant = (name: string, edit: (m: Map<string, HostTensor>) => void) => {
      const m = new Map(file);
      edit(m);
      return writeState(`${dir}/${name}.safetensors`, m);
    };
    const rejects = async (path: string, re: RegExp, overrides: string[] = []) => {
      const e = await trainerFrom(path, overrides).then(
        ({ trainer }) => (trainer.dispose(), null),
        (e: Error) => e,
      );
      assert.ok(e instanceof DataError, `${path}: ${e}`);
      assert.match(e.message, re);
    };
    await rejects(
      variant("missing", (m) => m.delete("head.bias")),
      /^Weights --init .*missing\.safetensors do not fit the model: missing keys "head\.bias"/,
    );
    await rejects(
      variant("shape", (m) => m.set("head.bias", { ...m.get("head.bias")!, shape: [1, 5] })),
      /key "head\.bias" has shape \[1,5\], expected \[5\]/,
    );
    await rejects(
      variant("extra", (m) => m.set("stages.9.gamma", m.get("head.bias")!)),
      /unexpected keys "stages\.9\.gamma"/,
    );
    await rejects(
      variant("mask1d", (m) => m.set("masks.head.bias", m.get("head.bias")!)),
      /mask "masks\.head\.bias" is for no maskable weight/,
    );
    await rejects(
      variant("maskshape", (m) => {
        const t = m.get("masks.stages.2.0.pwconv1.weight")!;
        m.set("masks.stages.2.0.pwconv1.weight", { ...t, shape: [t.shape[1]!, t.shape[0]!] });
      }),
      /mask "masks\.stages\.2\.0\.pwconv1\.weight" has shape \[24,96\], expected \[96,24\]/,
    );
    await rejects(
      variant("maskvalue", (m) => {
        const t = m.get("masks.stages.2.0.pwconv1.weight")!;
        const data = new Uint8Array(t.data as Uint8Array);
        data[0] = 2;
        m.set("masks.stages.2.0.pwconv1.weight", { ...t, data });
      }),
      /mask "masks\.stages\.2\.0\.pwconv1\.weight" holds 2; masks hold 0 or 1/,
    );
    await rejects(INIT, /has masks .* but the model is dense/, ["model.overrides.sparsity=0"]);
    await rejects(`${dir}/none.safetensors`, /Weights file not found: .*none\.safetensors/);
  });
});

Deno.test("slak train --init FILE: recorded in config.json and meta.json, trains to the official state", async () => {
  await withDir(async (dir) => {
    const cfg = `${dir}/parity.json`;
    const c = parityConfig(expected, "unused") as { run: Record<string, unknown> };
    delete c.run.init;
    Deno.writeTextFileSync(cfg, JSON.stringify(c));
    const out = `${dir}/run`;
    const r = await runCli([
      "train",
      "--config",
      cfg,
      "--init",
      INIT,
      "--out",
      out,
      "--backend",
      "cpu",
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const config = JSON.parse(Deno.readTextFileSync(`${out}/config.json`));
    assert.equal(config.run.init, INIT);
    const meta = JSON.parse(Deno.readTextFileSync(`${out}/meta.json`));
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", Deno.readFileSync(INIT) as BufferSource),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.deepEqual(meta.init, { path: INIT, sha256: hex });
    assertMatchesOfficial(out, resolveTrainConfig(c, "cli").modelConfig);

    const bad = await runCli(
      ["train", "--config", cfg, "--init", `${dir}/nope.pth`, "--out", `${dir}/b`],
    );
    assert.equal(bad.code, 65, bad.stderr);
    assert.match(bad.stderr, /run\.init \(--init\): weights file .*nope\.pth not found/);

    const file = tensorsOf(INIT);
    file.delete("head.bias");
    const misfit = writeState(`${dir}/misfit.safetensors`, file);
    const mis = await runCli(
      ["train", "--config", cfg, "--init", misfit, "--out", `${dir}/c`, "--backend", "cpu"],
    );
    assert.equal(mis.code, 65, mis.stderr);
    assert.match(
      mis.stderr,
      /Weights --init .*misfit\.safetensors do not fit the model: missing keys "head\.bias"/,
    );
    assert.ok(
      [...Deno.readDirSync(dir)].every((e) => e.name !== "c") ||
        [...Deno.readDirSync(`${dir}/c`)].length === 0,
      "nothing written for a misfit --init",
    );
  });
});
