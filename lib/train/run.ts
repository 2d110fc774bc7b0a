/**
 * `trainRun`: one training run into an output folder, resumable bit-exactly on the cpu backend.
 *
 * Per optimizer step (official engine.py + `Masking.step`): `accumSteps` micro-batches
 * (label-smoothed soft targets, optional mixup/cutmix, drop path) accumulate dense gradients →
 * NaN/Inf guard → AdamW (decoupled weight decay, none on 1-D parameters and biases) at the
 * warmup-cosine lr → weights ⊙ masks → prune-and-grow every `updateEvery` steps (cosine-decayed
 * rate; gradient growth uses this step's gradient) → sparse-aware EMA update. Every epoch: drain
 * the epoch's leftover batches, evaluate model and EMA, log, checkpoint.
 *
 * Determinism: every random draw comes from a named Rng stream (init, data, dropout, mix, mask,
 * snip) whose state is checkpointed with the weights, moments, EMA, masks, BN buffers, loader
 * position and running sums in ONE atomically written file; metrics.jsonl is cut back to its
 * checkpointed length on resume. A resumed run therefore repeats exactly the computation of an
 * uninterrupted one.
 *
 * @module
 */
import { countModel, stageMaps } from "../models/count.ts";
import { forward } from "../models/forward.ts";
import { buildModel, disposeModel, type Model } from "../models/model.ts";
import { numel } from "../models/param_spec.ts";
import { writeWeightsFile } from "../models/weights_file.ts";
import { openDataset } from "../data/open_dataset.ts";
import { Loader } from "../data/loader.ts";
import type { Batch, Dataset } from "../data/types.ts";
import {
  applyMasks,
  densityByLayer,
  densityStrategy,
  dropDenseMasks,
  initMasks,
  isUpdateStep,
  maskableNames,
  maskTensors,
  pickShapes,
  pruneAndGrow,
  pruneRate,
  shapesOf,
  sparseEmaUpdate,
} from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { ConfigError, EXIT, UserError } from "../util/errors.ts";
import { exists, writeJsonAtomic } from "../util/fs.ts";
import { Rng } from "../util/rng.ts";
import { AdamW } from "./adamw.ts";
import {
  assignAll,
  type EvalResult,
  readState,
  STATE_VERSION,
  type TrainState,
  writeState,
} from "./checkpoint.ts";
import { evaluate } from "./evaluate.ts";
import { smoothTargets, softCrossEntropy } from "./loss.ts";
import { environmentInfo } from "./meta.ts";
import { mixBatch } from "./mix.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";
import { lrAt, type LrSchedule, warmupSteps } from "./schedule.ts";

/** What result.json holds (written last: its presence means the run is done). */
export interface TrainResult {
  /** Test loss, top-1 and top-5 of the model after the last epoch. */
  loss: number;
  top1: number;
  top5: number | null;
  /** Overall density of the maskable weights (1 for a dense run). */
  density: number;
  steps: number;
  epochs: number;
  /** Training images per second (optimizer steps including data waits). */
  imgPerSec: number;
  /** Share of training-step time spent waiting for data. */
  dataShare: number;
  params: { dense: number; nonzero: number };
  macs: { dense: number; sparse: number };
  /** Evaluation of the EMA weights (null without EMA). */
  ema: { loss: number; top1: number; top5: number | null } | null;
  wallSeconds: number;
}

/** One metrics.jsonl record. */
export interface MetricsRecord {
  type: "epoch" | "topology";
  step: number;
  /** 1-based epoch the record belongs to. */
  epoch: number;
  lr: number;
  /** Training loss (epoch mean for epoch records, this step's for topology records). */
  loss: number;
  top1?: number;
  top5?: number | null;
  evalLoss?: number;
  ema?: EvalResult | null;
  density: number;
  pruneRate: number | null;
  imgPerSec: number;
  dataShare?: number;
  /** Density per masked layer. */
  layers?: Record<string, number>;
}

/** Progress events (the CLI renders them). */
export type TrainProgress =
  | {
    type: "start";
    step: number;
    totalSteps: number;
    stepsPerEpoch: number;
    epochs: number;
    resumed: boolean;
    dataset: string;
    params: { dense: number; nonzero: number };
  }
  | {
    type: "step";
    step: number;
    totalSteps: number;
    epoch: number;
    loss: number;
    lr: number;
    imgPerSec: number;
    etaSeconds: number;
  }
  | { type: "epoch"; record: MetricsRecord; epochs: number; totalSteps: number }
  | { type: "topology"; record: MetricsRecord }
  | { type: "checkpoint"; step: number; reason: "epoch" | "steps" | "signal" | "end" }
  | { type: "message"; text: string };

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Output folder (created when missing). */
  outDir: string;
  /** Continue from `outDir`'s last checkpoint (a finished run returns its result). */
  resume?: boolean;
  onProgress?: (ev: TrainProgress) => void;
  /** Extra fields for meta.json (e.g. the adapter). */
  meta?: Record<string, unknown>;
  /** Aborting checkpoints at the next step boundary and throws {@link TrainInterrupted}. */
  signal?: AbortSignal;
}

/** The run stopped on request (signal) after writing a checkpoint; exit code 130. */
export class TrainInterrupted extends UserError {
  constructor(message: string) {
    super(message, EXIT.interrupted);
    this.name = "TrainInterrupted";
  }
}

/** NaN or Inf in the loss or the weights; the last good checkpoint is kept. */
export class NonFiniteError extends UserError {
  constructor(message: string) {
    super(message, EXIT.failure);
    this.name = "NonFiniteError";
  }
}

/** Files of a run folder. */
export function runFiles(outDir: string) {
  const ck = `${outDir}/checkpoints`;
  return {
    config: `${outDir}/config.json`,
    meta: `${outDir}/meta.json`,
    metrics: `${outDir}/metrics.jsonl`,
    result: `${outDir}/result.json`,
    checkpoints: ck,
    state: `${ck}/state.safetensors`,
    last: `${ck}/last.safetensors`,
    best: `${ck}/best.safetensors`,
  };
}

/** The config as written to config.json (key order stable). */
function configJson(config: ResolvedTrainConfig): string {
  return JSON.stringify(config, null, 2) + "\n";
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}

/** Host-side sparse state of a run. */
interface Sparse {
  /** Names considered maskable (masked or dropped dense). */
  maskable: string[];
  /** Shapes of the masked weights. */
  shapes: Map<string, number[]>;
  masks: Map<string, Uint8Array>;
  dev: Map<string, tf.Tensor>;
}

function setMasks(sp: Sparse, masks: Map<string, Uint8Array>): void {
  sp.dev.forEach((t) => t.dispose());
  sp.masks = masks;
  sp.dev = maskTensors(masks, sp.shapes);
}

function overall(model: Model, sp: Sparse | null): number {
  if (sp === null) return 1;
  let active = 0;
  let total = 0;
  for (const name of sp.maskable) {
    const m = sp.masks.get(name);
    const n = model.params.get(name)!.size;
    total += n;
    if (m === undefined) active += n;
    else for (let i = 0; i < m.length; i++) active += m[i]!;
  }
  return total === 0 ? 1 : active / total;
}

/** Parameters and MACs with the actual per-layer densities. */
function actualCounts(model: Model, sp: Sparse | null, hw: [number, number]) {
  const maps = stageMaps(hw[0], hw[1]);
  const dense = countModel(model.config, hw);
  let nonzero = 0;
  let sparseMacs = 0;
  for (const spec of model.specs) {
    if (spec.buffer) continue;
    const n = numel(spec.shape);
    const m = sp?.masks.get(spec.name);
    let active = n;
    if (m !== undefined) {
      active = 0;
      for (let i = 0; i < m.length; i++) active += m[i]!;
    }
    nonzero += active;
    if (spec.macsPerPosition !== undefined) {
      const pos = spec.stage === 4 ? 1 : maps[spec.stage]![0] * maps[spec.stage]![1];
      sparseMacs += spec.macsPerPosition * pos * (active / n);
    }
  }
  return {
    params: { dense: dense.params.dense, nonzero },
    macs: { dense: dense.macs.dense, sparse: sparseMacs },
  };
}

/** The first parameter (in model order) holding a NaN or Inf, or null. */
async function firstNonFinite(tensors: ReadonlyMap<string, tf.Tensor>): Promise<string | null> {
  const names = [...tensors.keys()];
  const sums = await readValues(tf.tidy(() => tf.stack(names.map((n) => tf.sum(tensors.get(n)!)))));
  for (let i = 0; i < names.length; i++) {
    if (Number.isFinite(sums[i]!)) continue;
    const bad = await readValues(
      tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(tensors.get(names[i]!)!)))),
    );
    if (bad[0]) return names[i]!; // (a finite tensor whose sum overflows is fine)
  }
  return null;
}

/**
 * As `tf.tidy` for an async body: tensors created inside and not kept are disposed at the end.
 * The body must not overlap other tfjs work (the training loop is sequential).
 */
async function asyncScope(body: () => Promise<void>): Promise<void> {
  tf.engine().startScope();
  try {
    await body();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Reads a tensor's values without blocking and disposes it. Synchronous reads (`dataSync`) are
 * not available on the webgpu backend under Deno (tfjs reads back through a canvas there).
 */
async function readValues(t: tf.Tensor): Promise<Float32Array> {
  const v = await t.data() as Float32Array;
  t.dispose();
  return v;
}

function oneHotCE(logits: tf.Tensor, labels: Int32Array, k: number): tf.Scalar {
  return tf.tidy(() =>
    softCrossEntropy(logits, tf.oneHot(tf.tensor1d(labels, "int32"), k).toFloat())
  );
}

/** SNIP scores |w·∂L/∂w| of one training batch on the fresh model (BN stats restored after). */
async function snipScores(
  model: Model,
  batch: Batch,
  names: readonly string[],
  rng: Rng,
): Promise<Map<string, Float32Array>> {
  const saved = new Map([...model.buffers].map(([n, v]) => [n, tf.clone(v)]));
  const vars = names.map((n) => model.params.get(n)!);
  const out = new Map<string, Float32Array>();
  const scores = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.n, batch.h, batch.w, batch.c]);
    const { value, grads } = tf.variableGrads(
      () => oneHotCE(forward(model, x, { training: true, rng }), batch.y, model.config.numClasses),
      vars,
    );
    value.dispose();
    return names.map((_, i) => tf.abs(tf.mul(vars[i]!, grads[vars[i]!.name]!)));
  });
  for (let i = 0; i < names.length; i++) out.set(names[i]!, await readValues(scores[i]!));
  for (const [n, v] of saved) {
    model.buffers.get(n)!.assign(v);
    v.dispose();
  }
  return out;
}

/**
 * Trains `config` into `opts.outDir` (see the module doc). The backend must already be
 * selected (`initBackend`). Writes config.json, meta.json, metrics.jsonl, checkpoints/ and, last,
 * result.json, whose content it returns.
 *
 * @throws UserError for a non-empty folder without `resume` or a config that differs from the
 *   run being resumed; NonFiniteError for NaN/Inf; TrainInterrupted when `signal` aborts.
 */
export async function trainRun(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
): Promise<TrainResult> {
  const files = runFiles(opts.outDir);
  const emit = opts.onProgress ?? (() => {});
  const wallStart = performance.now();
  const resume = opts.resume ?? false;
  let loaded: Awaited<ReturnType<typeof readState>> | null = null;

  if (resume && await exists(files.result)) {
    return JSON.parse(await Deno.readTextFile(files.result)) as TrainResult;
  }
  if (!resume && !(await isEmptyDir(opts.outDir))) {
    throw new UserError(
      `Output folder ${opts.outDir} is not empty; pass --resume to continue the run in it, ` +
        `or choose a new folder`,
    );
  }
  if (resume && await exists(files.state)) {
    if (await exists(files.config)) {
      const prev = await Deno.readTextFile(files.config);
      if (prev !== configJson(config)) {
        throw new ConfigError(
          `Cannot resume ${opts.outDir}: its config.json differs from the given config ` +
            `(resume with the same config and --set values)`,
        );
      }
    }
    loaded = await readState(files.state);
  }
  await Deno.mkdir(files.checkpoints, { recursive: true });

  // --- meta.json (kept across resumes: first start, resume times appended) ---
  const now = new Date().toISOString();
  let meta: Record<string, unknown> = {
    seed: config.run.seed,
    ...(await environmentInfo()),
    ...opts.meta,
    start: now,
    end: null,
    resumes: [] as string[],
  };
  if (loaded && await exists(files.meta)) {
    const prev = JSON.parse(await Deno.readTextFile(files.meta));
    meta = { ...meta, start: prev.start ?? now, resumes: [...(prev.resumes ?? []), now] };
  }
  await Deno.writeTextFile(files.config, configJson(config));
  await writeJsonAtomic(files.meta, meta);

  // --- data, model, optimizer ---
  const ds: Dataset = await openDataset(config.data, {
    onProgress: (text) => emit({ type: "message", text }),
  });
  const { batchSize, accumSteps } = config.optimizer;
  const seed = config.run.seed;
  const loader = new Loader(ds, {
    split: "train",
    batchSize,
    seed,
    ...(loaded ? { state: loaded.state.loader } : {}),
  });
  const stepsPerEpoch = Math.floor(loader.batchesPerEpoch / accumSteps);
  if (stepsPerEpoch < 1) {
    loader.close();
    throw new ConfigError(
      `optimizer: batchSize ${batchSize} × accumSteps ${accumSteps} exceeds the ${loader.epochSize} ` +
        `training images of ${ds.name}`,
    );
  }
  const epochs = config.schedule.epochs;
  const totalSteps = stepsPerEpoch * epochs;
  const sched: LrSchedule = {
    lr: config.optimizer.lr,
    minLr: config.schedule.minLr,
    totalSteps,
    warmupSteps: warmupSteps(config.schedule.warmupEpochs, stepsPerEpoch),
  };
  const mc = config.modelConfig;
  const k = mc.numClasses;
  const model = buildModel(mc, { seed });
  const adam = new AdamW(model.params, {
    betas: config.optimizer.betas,
    eps: config.optimizer.eps,
    weightDecay: config.optimizer.weightDecay,
  });
  const rng = {
    dropout: Rng.stream(seed, "dropout"),
    mix: Rng.stream(seed, "mix"),
    mask: Rng.stream(seed, "mask"),
  };
  const sparse = mc.sparsity > 0;
  const su = config.sparsity;
  let sp: Sparse | null = null;
  const ema = config.regularization.emaDecay === null
    ? null
    : new Map([...model.params, ...model.buffers].map(([n, v]) => [
      n,
      tf.variable(tf.zerosLike(v), false),
    ]));
  const modelVars = new Map<string, tf.Tensor>([...model.params, ...model.buffers]);
  const emaModel: Model | null = ema === null ? null : {
    ...model,
    params: new Map([...model.params.keys()].map((n) => [n, ema.get(n)!])),
    buffers: new Map([...model.buffers.keys()].map((n) => [n, ema.get(n)!])),
  };

  let st: TrainState;
  try {
    if (sparse) {
      const shapes = shapesOf(model.params);
      const maskable = maskableNames(shapes, { onlyLargeKernel: su.onlyLargeKernel });
      sp = { maskable, shapes: pickShapes(shapes, maskable), masks: new Map(), dev: new Map() };
    }
    if (loaded) {
      const g = loaded.groups;
      assignAll(model.params, g.param, "parameter");
      assignAll(model.buffers, g.buffer, "buffer");
      assignAll(adam.m, g.adam_m, "AdamW first moment");
      assignAll(adam.v, g.adam_v, "AdamW second moment");
      if (ema) assignAll(ema, g.ema, "EMA tensor");
      if (sp) setMasks(sp, loaded.masks);
      st = loaded.state;
      adam.t = st.adamT;
      rng.dropout = new Rng(st.rng.dropout);
      rng.mix = new Rng(st.rng.mix);
      rng.mask = new Rng(st.rng.mask);
      // cut metrics.jsonl back to the checkpointed records
      const f = await Deno.open(files.metrics, { write: true, create: true });
      await f.truncate(st.metricsBytes);
      f.close();
    } else {
      if (sp) {
        const density = 1 - mc.sparsity;
        let scores: Map<string, Float32Array> | undefined;
        if (su.init === "snip") {
          const snipLoader = new Loader(ds, {
            split: "train",
            batchSize,
            prefetch: false,
            state: { epoch: 0, cursor: 0, rngState: Rng.stream(seed, "snip-data").state() },
          });
          const b = await snipLoader.next();
          snipLoader.close();
          scores = await snipScores(model, b, sp.maskable, Rng.stream(seed, "snip"));
        }
        const densities = densityStrategy(su.init)({
          shapes: sp.shapes,
          density,
          ...(scores ? { scores } : {}),
        });
        const { masks, dropped } = dropDenseMasks(initMasks(densities, sp.shapes, rng.mask));
        for (const n of dropped) sp.shapes.delete(n);
        setMasks(sp, masks);
        applyMasks(model.params, sp.dev);
      }
      if (ema) tf.tidy(() => ema.forEach((v, n) => v.assign(modelVars.get(n)!)));
      await Deno.writeTextFile(files.metrics, "");
      st = {
        version: STATE_VERSION,
        step: 0,
        completedEpochs: 0,
        adamT: 0,
        rng: { dropout: rng.dropout.state(), mix: rng.mix.state(), mask: rng.mask.state() },
        loader: loader.state(),
        epochLossSum: 0,
        epochSteps: 0,
        bestTop1: null,
        metricsBytes: 0,
        trainMs: 0,
        dataMs: 0,
        images: 0,
        wallMs: 0,
        lastEval: null,
      };
    }
    if (sp) {
      // masked shapes = the masks actually kept (dropped dense layers excluded)
      sp.shapes = new Map([...sp.masks.keys()].map((n) => [n, [...model.params.get(n)!.shape]]));
    }
    const wallBase = st.wallMs;
    const hw: [number, number] = [ds.height, ds.width];
    emit({
      type: "start",
      step: st.step,
      totalSteps,
      stepsPerEpoch,
      epochs,
      resumed: loaded !== null,
      dataset: ds.name,
      params: actualCounts(model, sp, hw).params,
    });

    const checkpoint = async (reason: "epoch" | "steps" | "signal" | "end", best = false) => {
      st.adamT = adam.t;
      st.rng = { dropout: rng.dropout.state(), mix: rng.mix.state(), mask: rng.mask.state() };
      st.loader = loader.state();
      st.wallMs = wallBase + (performance.now() - wallStart);
      const extra = { "slak.step": String(st.step), "slak.epoch": String(st.completedEpochs) };
      await writeWeightsFile(files.last, model, extra);
      if (best) await writeWeightsFile(files.best, model, extra);
      await writeState(files.state, st, {
        param: model.params,
        buffer: model.buffers,
        adam_m: adam.m,
        adam_v: adam.v,
        ema: ema ?? new Map(),
      }, sp?.masks ?? new Map());
      emit({ type: "checkpoint", step: st.step, reason });
    };
    const appendMetrics = async (rec: MetricsRecord) => {
      const line = new TextEncoder().encode(JSON.stringify(rec) + "\n");
      await Deno.writeFile(files.metrics, line, { append: true });
      st.metricsBytes += line.length;
    };
    const interrupted = async () => {
      if (!opts.signal?.aborted) return;
      await checkpoint("signal");
      throw new TrainInterrupted(
        `interrupted at step ${st.step}; checkpoint written, continue with --resume`,
      );
    };
    const imgPerSec = () => (st.trainMs > 0 ? st.images / (st.trainMs / 1000) : 0);
    const varNames = [...model.params.keys()];
    const varList = varNames.map((n) => model.params.get(n)!);
    const ckEvery = config.run.checkpointEverySteps;
    const reg = config.regularization;

    for (let epoch = st.completedEpochs; epoch < epochs; epoch++) {
      while (st.step < (epoch + 1) * stepsPerEpoch) {
        await interrupted();
        const t0 = performance.now();
        const batches: Batch[] = [];
        for (let a = 0; a < accumSteps; a++) {
          const tw = performance.now();
          batches.push(await loader.next());
          st.dataMs += performance.now() - tw;
        }
        const lr = lrAt(st.step, sched);
        let stepLoss = 0;
        let topo: MetricsRecord | null = null;
        await asyncScope(async () => {
          let gsum: tf.Tensor[] | null = null;
          for (const b of batches) {
            const t = smoothTargets(b.y, k, reg.labelSmoothing);
            mixBatch(b.x, t, { n: b.n, h: b.h, w: b.w, c: b.c, k }, {
              mixup: reg.mixup,
              cutmix: reg.cutmix,
              switchProb: reg.mixSwitchProb,
            }, rng.mix);
            const x = tf.tensor4d(b.x, [b.n, b.h, b.w, b.c]);
            const tt = tf.tensor2d(t, [b.n, k]);
            const { value, grads } = tf.variableGrads(() =>
              tf.mul(
                softCrossEntropy(forward(model, x, { training: true, rng: rng.dropout }), tt),
                1 / accumSteps,
              ) as tf.Scalar, varList);
            stepLoss += (await readValues(value))[0]!;
            const g = varList.map((v) => grads[v.name]!);
            gsum = gsum === null ? g : gsum.map((s, i) => tf.add(s, g[i]!));
          }
          const grads = new Map(varNames.map((n, i) => [n, gsum![i]!]));
          if (!Number.isFinite(stepLoss)) {
            const bad = await firstNonFinite(grads);
            throw new NonFiniteError(
              `loss is ${stepLoss} at step ${st.step + 1} (epoch ${epoch + 1}); ` +
                (bad ? `first layer with a non-finite gradient: ${bad}` : "gradients finite") +
                `; weights before this step are finite. Last good checkpoint kept in ` +
                `${files.checkpoints} (lower optimizer.lr?)`,
            );
          }
          adam.step(model.params, grads, lr);
          if (sp) applyMasks(model.params, sp.dev);
          const bad = await firstNonFinite(model.params);
          if (bad) {
            throw new NonFiniteError(
              `non-finite weights in layer ${bad} after step ${st.step + 1} (epoch ${
                epoch + 1
              }, lr ${lr}); last good checkpoint kept in ${files.checkpoints} (lower optimizer.lr?)`,
            );
          }
          st.step++;
          if (sp && isUpdateStep(st.step, su.updateEvery, totalSteps)) {
            const rate = pruneRate(st.step, { initial: su.pruneRate, totalSteps });
            const weights = new Map<string, Float32Array>();
            for (const n of sp.masks.keys()) {
              weights.set(n, await model.params.get(n)!.data() as Float32Array);
            }
            let hostGrads: Map<string, Float32Array> | undefined;
            if (su.growth === "gradient") {
              hostGrads = new Map();
              for (const n of sp.masks.keys()) {
                hostGrads.set(n, await grads.get(n)!.data() as Float32Array);
              }
            }
            const r = pruneAndGrow(sp.masks, weights, {
              rate,
              growth: su.growth,
              rng: rng.mask,
              ...(hostGrads ? { grads: hostGrads } : {}),
            });
            setMasks(sp, r.masks);
            sp.dev.forEach((t) => tf.keep(t));
            applyMasks(model.params, sp.dev);
            topo = {
              type: "topology",
              step: st.step,
              epoch: epoch + 1,
              lr,
              loss: stepLoss,
              density: overall(model, sp),
              pruneRate: rate,
              imgPerSec: 0,
              layers: Object.fromEntries(densityByLayer(sp.masks)),
            };
          }
          if (ema) sparseEmaUpdate(ema, modelVars, reg.emaDecay!, sp?.dev);
        });
        const n = batches.reduce((a, b) => a + b.n, 0);
        st.images += n;
        st.trainMs += performance.now() - t0;
        st.epochLossSum += stepLoss;
        st.epochSteps++;
        if (topo !== null) {
          const rec = topo as MetricsRecord;
          rec.imgPerSec = imgPerSec();
          await appendMetrics(rec);
          emit({ type: "topology", record: rec });
        }
        const left = totalSteps - st.step;
        const ips = imgPerSec();
        emit({
          type: "step",
          step: st.step,
          totalSteps,
          epoch: epoch + 1,
          loss: stepLoss,
          lr,
          imgPerSec: ips,
          etaSeconds: ips > 0 ? (left * batchSize * accumSteps) / ips : 0,
        });
        if (ckEvery > 0 && st.step % ckEvery === 0 && st.step % stepsPerEpoch !== 0) {
          await checkpoint("steps");
        }
      }
      // leftover batches of this epoch (fewer than accumSteps) are skipped, as the official engine
      while (loader.state().epoch === epoch) await loader.next();
      await interrupted();
      const evalOpts = { batchSize: Math.max(batchSize, 64), limit: config.run.evalLimit };
      const ev = await evaluate(model, ds, evalOpts);
      const evEma = emaModel ? await evaluate(emaModel, ds, evalOpts) : null;
      const rec: MetricsRecord = {
        type: "epoch",
        step: st.step,
        epoch: epoch + 1,
        lr: lrAt(Math.max(0, st.step - 1), sched),
        loss: st.epochSteps > 0 ? st.epochLossSum / st.epochSteps : NaN,
        evalLoss: ev.loss,
        top1: ev.top1,
        top5: ev.top5,
        ema: evEma,
        density: overall(model, sp),
        pruneRate: sp ? pruneRate(st.step, { initial: su.pruneRate, totalSteps }) : null,
        imgPerSec: imgPerSec(),
        dataShare: st.trainMs > 0 ? st.dataMs / st.trainMs : 0,
        ...(sp ? { layers: Object.fromEntries(densityByLayer(sp.masks)) } : {}),
      };
      await appendMetrics(rec);
      const best = st.bestTop1 === null || ev.top1 > st.bestTop1;
      if (best) st.bestTop1 = ev.top1;
      st.completedEpochs = epoch + 1;
      st.epochLossSum = 0;
      st.epochSteps = 0;
      st.lastEval = { model: ev, ema: evEma };
      emit({ type: "epoch", record: rec, epochs, totalSteps });
      await checkpoint("epoch", best);
    }

    const last = st.lastEval!;
    const strip = (e: EvalResult) => ({ loss: e.loss, top1: e.top1, top5: e.top5 });
    const result: TrainResult = {
      ...strip(last.model),
      density: overall(model, sp),
      steps: st.step,
      epochs,
      imgPerSec: imgPerSec(),
      dataShare: st.trainMs > 0 ? st.dataMs / st.trainMs : 0,
      ...actualCounts(model, sp, hw),
      ema: last.ema ? strip(last.ema) : null,
      wallSeconds: (wallBase + (performance.now() - wallStart)) / 1000,
    };
    meta.end = new Date().toISOString();
    await writeJsonAtomic(files.meta, meta);
    await writeJsonAtomic(files.result, result);
    return result;
  } finally {
    loader.close();
    sp?.dev.forEach((t) => t.dispose());
    ema?.forEach((v) => v.dispose());
    adam.dispose();
    disposeModel(model);
  }
}
