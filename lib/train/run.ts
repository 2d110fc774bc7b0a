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
import { forward } from "../models/forward.ts";
import { buildModel, disposeModel, type Model } from "../models/model.ts";
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
  pickShapes,
  pruneAndGrow,
  pruneRate,
  shapesOf,
  sparseEmaUpdate,
} from "../sparse/mod.ts";
import { tf } from "../tf.ts";
import { ConfigError, UserError } from "../util/errors.ts";
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
import {
  type MetricsRecord,
  NonFiniteError,
  runFiles,
  TrainInterrupted,
  type TrainResult,
  type TrainRunOptions,
} from "./run_types.ts";
import { actualCounts, overall, setMasks, snipScores, type Sparse } from "./sparse_state.ts";
import { asyncScope, firstNonFinite, readValues } from "./tensor_util.ts";

export * from "./run_types.ts";
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
