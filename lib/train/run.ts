/**
 * `trainRun`: one training run into an output folder, resumable bit-exactly on the cpu backend.
 * It drives a {@link Trainer} (the engine: one optimizer step, topology updates, evaluation) over
 * the epochs of the warmup-cosine schedule, and keeps the {@link RunFolder} (config, meta, metrics,
 * checkpoints, result, lock). Every epoch: drain the epoch's leftover batches (fewer than
 * `accumSteps`, skipped as the official engine does), evaluate model and EMA (and with BN
 * statistics recalibrated, which chooses `best`: mid_eval.ts), log, checkpoint.
 *
 * Determinism: every random draw comes from a named Rng stream (init, data, dropout, mix, mask,
 * snip) whose state is checkpointed with the weights, moments, EMA, masks, BN buffers, loader
 * position and running sums in ONE atomically written file; metrics.jsonl is cut back to its
 * checkpointed length on resume. A resumed run therefore repeats exactly the computation of an
 * uninterrupted one.
 *
 * @module
 */
import { Loader } from "../data/loader.ts";
import { openDataset } from "../data/open_dataset.ts";
import type { Batch, Dataset } from "../data/types.ts";
import { pruneRate } from "../sparse/mod.ts";
import { ConfigError } from "../util/errors.ts";
import { type EvalResult, STATE_VERSION, type TrainState } from "./checkpoint.ts";
import { evalConfigOf, segTaskOf } from "./config.ts";
import { evaluateDuringTraining } from "./mid_eval.ts";
import { checkInitState, initProvenance, readInitState } from "./init_state.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";
import { type CheckpointReason, RunFolder } from "./run_folder.ts";
import {
  type EpochRecord,
  NonFiniteError,
  type StepRecord,
  type TopologyRecord,
  TrainInterrupted,
  type TrainProgress,
  type TrainResult,
  type TrainRunOptions,
} from "./run_types.ts";
import { lrAt, type LrSchedule, warmupSteps } from "./schedule.ts";
import { epochScalars, EventWriter, stepScalars, topologyScalars } from "./tfevents.ts";
import { Trainer, type TrainerState } from "./trainer.ts";

export * from "./run_types.ts";

/**
 * Trains `config` into `opts.outDir` (see the module doc). The backend must already be
 * selected (`initBackend`). Writes config.json, meta.json, metrics.jsonl, checkpoints/ and, last,
 * result.json, whose content it returns.
 *
 * @throws UserError for a non-empty folder without `resume`, a folder another process trains
 *   into, or a config that differs from the run being resumed; NonFiniteError for NaN/Inf or a
 *   diverging loss; TrainInterrupted when `signal` aborts; DataError for a `run.init` file that is
 *   missing or does not fit the model (checked before the folder is made).
 */
export async function trainRun(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
): Promise<TrainResult> {
  if (segTaskOf(config) !== null) {
    throw new ConfigError("task.kind segmentation: train it with trainTaskRun (seg_run.ts)");
  }
  const wallStart = performance.now();
  const initFile = config.run.init;
  if (initFile !== undefined) {
    // a fresh run needs the file and checks that it fits before its folder is made; a resumed
    // one continues from its checkpoint and records the file only while it is there
    const prov = opts.resume
      ? await initProvenance(initFile).catch(() => null)
      : await initProvenance(initFile);
    if (!opts.resume) checkInitState(await readInitState(initFile), config.modelConfig);
    if (prov !== null) opts = { ...opts, meta: { ...opts.meta, init: prov } };
  }
  const opened = await RunFolder.open(config, opts);
  if ("done" in opened) return opened.done;
  const folder = opened.folder;
  try {
    return await drive(config, opts, folder, wallStart);
  } finally {
    folder.close();
  }
}

/** The schedule of a run over a data set: steps per epoch, total steps, lr schedule. */
function planSteps(config: ResolvedTrainConfig, loader: Loader, ds: Dataset) {
  const { batchSize, accumSteps } = config.optimizer;
  const stepsPerEpoch = Math.floor(loader.batchesPerEpoch / accumSteps);
  if (stepsPerEpoch < 1) {
    throw new ConfigError(
      `optimizer: batchSize ${batchSize} × accumSteps ${accumSteps} exceeds the ${loader.epochSize} ` +
        `training images of ${ds.name}`,
    );
  }
  const totalSteps = stepsPerEpoch * config.schedule.epochs;
  const sched: LrSchedule = {
    lr: config.optimizer.lr,
    minLr: config.schedule.minLr,
    totalSteps,
    warmupSteps: warmupSteps(config.schedule.warmupEpochs, stepsPerEpoch),
    ...(config.schedule.poly ? { poly: config.schedule.poly } : {}),
  };
  return { stepsPerEpoch, totalSteps, sched };
}

function freshState(loader: Loader, trainer: Trainer): TrainState {
  return {
    version: STATE_VERSION,
    ...trainer.scalars(),
    completedEpochs: 0,
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

function savedTrainer(folder: RunFolder): TrainerState | undefined {
  const l = folder.loaded;
  if (l === null) return undefined;
  return {
    step: l.state.step,
    adamT: l.state.adamT,
    rng: l.state.rng,
    tensors: l.groups,
    masks: l.masks,
  };
}

async function drive(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
  folder: RunFolder,
  wallStart: number,
): Promise<TrainResult> {
  const emit = opts.onProgress ?? (() => {});
  const ds: Dataset = await openDataset(config.data, {
    onProgress: (text) => emit({ type: "message", text }),
  });
  const { batchSize, accumSteps } = config.optimizer;
  const loaded = folder.loaded;
  const loader = new Loader(ds, {
    split: "train",
    batchSize,
    seed: config.run.seed,
    ...(config.data.kind === "npy" ? { shuffle: config.data.shuffle } : {}),
    ...(loaded ? { state: loaded.state.loader } : {}),
  });
  let trainer: Trainer | null = null;
  try {
    const { stepsPerEpoch, totalSteps, sched } = planSteps(config, loader, ds);
    const epochs = config.schedule.epochs;
    const state = savedTrainer(folder);
    const init = !state && config.run.init !== undefined
      ? await readInitState(config.run.init)
      : undefined;
    trainer = await Trainer.create(config, {
      totalSteps,
      dataset: ds,
      ...(state ? { state } : {}),
      ...(init ? { init } : {}),
    });
    const tr = trainer;
    const st = loaded?.state ?? freshState(loader, tr);
    const wallBase = st.wallMs;
    const events = await EventWriter.open(opts.outDir, { resumedAt: loaded ? st.step : null });
    const logEvery = opts.logEvery ?? 0;
    const hw: [number, number] = [ds.height, ds.width];
    emit({
      type: "start",
      step: st.step,
      totalSteps,
      stepsPerEpoch,
      epochs,
      resumed: loaded !== null,
      dataset: ds.name,
      params: tr.counts(hw).params,
    });

    const checkpoint = async (reason: CheckpointReason, best = false) => {
      st.loader = loader.state();
      st.wallMs = wallBase + (performance.now() - wallStart);
      await folder.checkpoint(tr, st, best);
      emit({ type: "checkpoint", step: st.step, reason });
    };
    const interrupted = async () => {
      if (!opts.signal?.aborted) return;
      await checkpoint("signal");
      throw new TrainInterrupted(
        `interrupted at step ${st.step}; checkpoint written, continue with --resume`,
      );
    };
    const imgPerSec = () => (st.trainMs > 0 ? st.images / (st.trainMs / 1000) : 0);
    const ckEvery = config.run.checkpointEverySteps;

    for (let epoch = st.completedEpochs; epoch < epochs; epoch++) {
      while (st.step < (epoch + 1) * stepsPerEpoch) {
        await interrupted();
        await folder.beat();
        const t0 = performance.now();
        const batches: Batch[] = [];
        for (let a = 0; a < accumSteps; a++) {
          const tw = performance.now();
          batches.push(await loader.next());
          st.dataMs += performance.now() - tw;
        }
        const lr = lrAt(st.step, sched);
        let r;
        try {
          r = await tr.step(batches, lr);
        } catch (e) {
          if (!(e instanceof NonFiniteError)) throw e;
          throw new NonFiniteError(
            `${e.message} (epoch ${epoch + 1}); ${folder.lastGoodText()} (lower optimizer.lr?)`,
          );
        }
        st.step = r.step;
        st.images += r.images;
        st.trainMs += performance.now() - t0;
        st.epochLossSum += r.loss;
        st.epochSteps++;
        if (r.topology !== null) {
          const rec: TopologyRecord = {
            type: "topology",
            step: r.step,
            epoch: epoch + 1,
            lr,
            loss: r.loss,
            density: r.topology.density,
            pruneRate: r.topology.rate,
            imgPerSec: imgPerSec(),
            layers: r.topology.layers,
          };
          st.metricsBytes += await folder.appendMetrics(rec);
          await events.scalars(rec.step, topologyScalars(rec));
          emit({ type: "topology", record: rec });
        }
        const left = totalSteps - st.step;
        const ips = imgPerSec();
        if (logEvery > 0 && st.step % logEvery === 0) {
          const rec: StepRecord = {
            type: "step",
            step: st.step,
            epoch: epoch + 1,
            lr,
            loss: r.loss,
            density: tr.density(),
            imgPerSec: ips,
          };
          st.metricsBytes += await folder.appendMetrics(rec);
          await events.scalars(rec.step, stepScalars(rec));
        }
        emit({
          type: "step",
          step: st.step,
          totalSteps,
          epoch: epoch + 1,
          loss: r.loss,
          lr,
          imgPerSec: ips,
          etaSeconds: ips > 0 ? (left * batchSize * accumSteps) / ips : 0,
        });
        if (ckEvery > 0 && st.step % ckEvery === 0 && st.step % stepsPerEpoch !== 0) {
          await checkpoint("steps");
        }
      }
      while (loader.state().epoch === epoch) await loader.next();
      await interrupted();
      const ev = await evaluateDuringTraining(tr.model, tr.emaModel, ds, {
        batchSize: Math.max(batchSize, 64),
        limit: config.run.evalLimit,
        trainBatchSize: batchSize,
        seed: config.run.seed,
        eval: evalConfigOf(config),
      });
      const sparse = tr.sparse !== null;
      const rec: EpochRecord = {
        type: "epoch",
        step: st.step,
        epoch: epoch + 1,
        lr: lrAt(Math.max(0, st.step - 1), sched),
        loss: st.epochSteps > 0 ? st.epochLossSum / st.epochSteps : NaN,
        evalLoss: ev.model.loss,
        top1: ev.model.top1,
        top5: ev.model.top5,
        ema: ev.ema,
        recalibrated: ev.recalibrated,
        emaRecalibrated: ev.emaRecalibrated,
        bestBy: ev.bestBy,
        density: tr.density(),
        pruneRate: sparse
          ? pruneRate(st.step, { initial: config.sparsity.pruneRate, totalSteps })
          : null,
        imgPerSec: imgPerSec(),
        dataShare: st.trainMs > 0 ? st.dataMs / st.trainMs : 0,
        ...(sparse ? { layers: tr.layerDensities() } : {}),
      };
      st.metricsBytes += await folder.appendMetrics(rec);
      await events.scalars(rec.step, epochScalars(rec));
      const best = st.bestTop1 === null || ev.bestTop1 > st.bestTop1;
      if (best) st.bestTop1 = ev.bestTop1;
      st.completedEpochs = epoch + 1;
      st.epochLossSum = 0;
      st.epochSteps = 0;
      st.lastEval = { model: ev.model, ema: ev.ema, recalibrated: ev.recalibrated };
      emit({ type: "epoch", record: rec, epochs, totalSteps });
      await checkpoint("epoch", best);
    }
    const result = resultOf(st, tr, hw, {
      epochs,
      imgPerSec: imgPerSec(),
      wallSeconds: (wallBase + (performance.now() - wallStart)) / 1000,
    });
    await folder.finish(result);
    return result;
  } finally {
    loader.close();
    trainer?.dispose();
  }
}

function resultOf(
  st: TrainState,
  tr: Trainer,
  hw: [number, number],
  extra: { epochs: number; imgPerSec: number; wallSeconds: number },
): TrainResult {
  const last = st.lastEval!;
  const strip = (e: EvalResult) => ({ loss: e.loss, top1: e.top1, top5: e.top5 });
  return {
    ...strip(last.model),
    density: tr.density(),
    densities: tr.densityReport(),
    steps: st.step,
    epochs: extra.epochs,
    imgPerSec: extra.imgPerSec,
    dataShare: st.trainMs > 0 ? st.dataMs / st.trainMs : 0,
    ...tr.counts(hw),
    ema: last.ema ? strip(last.ema) : null,
    recalibrated: last.recalibrated ? strip(last.recalibrated) : null,
    wallSeconds: extra.wallSeconds,
  };
}

/** Progress events of {@link trainRun} (re-exported for renderers). */
export type { TrainProgress };
