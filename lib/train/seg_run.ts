/**
 * The segmentation task of `trainRun`: the same run folder (config.json, meta.json, lock,
 * metrics.jsonl, checkpoints, resume, result.json) and progress events as classification, with the
 * segmentation parts: {@link SegLoader} (endless sampler), {@link SegTrainer} (mmseg loss, layer
 * decay, fixed sparse masks), mIoU evaluation after every `task.stepsPerEpoch` steps
 * ({@link segEvaluate}), `best` by mIoU (kept in the state's `bestTop1` slot), and the lr of the
 * config's schedule (mmcv's poly with warmup when `schedule.poly` is set).
 *
 * @module
 */
import type { SegDataConfig } from "../data/config_types.ts";
import { isSegData } from "../data/config.ts";
import type { SegDataset } from "../data/segmentation/dataset.ts";
import { STATE_VERSION, type TrainState } from "./checkpoint.ts";
import { segTaskOf } from "./config.ts";
import { initProvenance, readInitState } from "./init_state.ts";
import type { ResolvedTrainConfig } from "./resolve.ts";
import { RunFolder } from "./run_folder.ts";
import { trainRun } from "./run.ts";
import {
  NonFiniteError,
  type StepRecord,
  TrainInterrupted,
  type TrainResult,
  type TrainRunOptions,
} from "./run_types.ts";
import { lrAt, type LrSchedule, warmupSteps } from "./schedule.ts";
import { segModelConfigOf } from "./seg_config.ts";
import { openSegDataset } from "./seg_data.ts";
import { type SegEvalResult, segEvaluate } from "./seg_eval.ts";
import { SegLoader } from "./seg_loader.ts";
import { SegTrainer } from "./seg_trainer.ts";
import type { SegEpochRecord, SegTrainResult } from "./seg_types.ts";
import { EventWriter, stepScalars } from "./tfevents.ts";
import type { TrainerState } from "./trainer_types.ts";

/** The lr schedule of a segmentation run of `totalSteps` steps. */
export function segSchedule(config: ResolvedTrainConfig, stepsPerEpoch: number): LrSchedule {
  return {
    lr: config.optimizer.lr,
    minLr: config.schedule.minLr,
    totalSteps: stepsPerEpoch * config.schedule.epochs,
    warmupSteps: warmupSteps(config.schedule.warmupEpochs, stepsPerEpoch),
    ...(config.schedule.poly ? { poly: config.schedule.poly } : {}),
  };
}

function ious(r: SegEvalResult): Record<string, number | null> {
  return Object.fromEntries(r.classNames.map((n, i) => [n, r.iou[i] ?? null]));
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

/**
 * Drives a segmentation run into an open run folder (called by `trainRun`; see the module doc).
 * @throws NonFiniteError, TrainInterrupted as classification runs do
 */
export async function driveSegmentation(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
  folder: RunFolder,
  wallStart: number,
): Promise<SegTrainResult> {
  const task = segTaskOf(config);
  if (task === null || !isSegData(config.data)) {
    throw new Error("driveSegmentation: not segmentation");
  }
  const emit = opts.onProgress ?? (() => {});
  const ds: SegDataset = await openSegDataset(config.data as SegDataConfig);
  const { batchSize, accumSteps } = config.optimizer;
  const loaded = folder.loaded;
  const loader = new SegLoader(ds, {
    batchSize,
    seed: config.run.seed,
    ...(loaded ? { state: loaded.state.loader } : {}),
  });
  const stepsPerEpoch = task.stepsPerEpoch;
  const epochs = config.schedule.epochs;
  const sched = segSchedule(config, stepsPerEpoch);
  const totalSteps = sched.totalSteps;
  const state = savedTrainer(folder);
  const init = !state && config.run.init !== undefined
    ? await readInitState(config.run.init)
    : undefined;
  const tr = await SegTrainer.create(
    { model: segModelConfigOf(config), optimizer: config.optimizer, seed: config.run.seed },
    { ...(state ? { state } : {}), ...(init ? { init } : {}) },
  );
  try {
    const st: TrainState = loaded?.state ?? {
      version: STATE_VERSION,
      ...tr.scalars(),
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
    const wallBase = st.wallMs;
    const events = await EventWriter.open(opts.outDir, { resumedAt: loaded ? st.step : null });
    const logEvery = opts.logEvery ?? 0;
    emit({
      type: "start",
      step: st.step,
      totalSteps,
      stepsPerEpoch,
      epochs,
      resumed: loaded !== null,
      dataset: ds.name,
      params: tr.paramCounts(),
    });
    const checkpoint = async (reason: "epoch" | "steps" | "signal", best = false) => {
      st.loader = loader.state();
      st.wallMs = wallBase + (performance.now() - wallStart);
      await folder.checkpoint(tr, st, best);
      emit({ type: "checkpoint", step: st.step, reason });
    };
    const imgPerSec = () => (st.trainMs > 0 ? st.images / (st.trainMs / 1000) : 0);
    const evaluate = () =>
      segEvaluate(tr.segModel, ds, {
        slidingWindow: task.slidingWindow,
        limit: config.run.evalLimit,
      });
    let last: SegEvalResult | null = null;
    let lastLoss = NaN;
    const ckEvery = config.run.checkpointEverySteps;
    for (let epoch = st.completedEpochs; epoch < epochs; epoch++) {
      while (st.step < (epoch + 1) * stepsPerEpoch) {
        if (opts.signal?.aborted) {
          await checkpoint("signal");
          throw new TrainInterrupted(
            `interrupted at step ${st.step}; checkpoint written, continue with --resume`,
          );
        }
        await folder.beat();
        const t0 = performance.now();
        const batches = [];
        for (let a = 0; a < accumSteps; a++) batches.push(await loader.next());
        st.dataMs += performance.now() - t0;
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
        if (logEvery > 0 && st.step % logEvery === 0) {
          const rec: StepRecord = {
            type: "step",
            step: st.step,
            epoch: epoch + 1,
            lr,
            loss: r.loss,
            density: tr.density(),
            imgPerSec: imgPerSec(),
          };
          st.metricsBytes += await folder.appendMetrics(rec);
          await events.scalars(rec.step, stepScalars(rec));
        }
        const ips = imgPerSec();
        emit({
          type: "step",
          step: st.step,
          totalSteps,
          epoch: epoch + 1,
          loss: r.loss,
          lr,
          imgPerSec: ips,
          etaSeconds: ips > 0 ? ((totalSteps - st.step) * batchSize * accumSteps) / ips : 0,
        });
        if (ckEvery > 0 && st.step % ckEvery === 0 && st.step % stepsPerEpoch !== 0) {
          await checkpoint("steps");
        }
      }
      last = await evaluate();
      const best = st.bestTop1 === null || last.mIoU > st.bestTop1;
      if (best) st.bestTop1 = last.mIoU;
      lastLoss = st.epochSteps > 0 ? st.epochLossSum / st.epochSteps : NaN;
      const rec: SegEpochRecord = {
        type: "seg_epoch",
        step: st.step,
        epoch: epoch + 1,
        lr: lrAt(Math.max(0, st.step - 1), sched),
        loss: lastLoss,
        miou: last.mIoU,
        aAcc: last.aAcc,
        mAcc: last.mAcc,
        iou: ious(last),
        best,
        density: tr.density(),
        imgPerSec: imgPerSec(),
      };
      st.metricsBytes += await folder.appendMetrics(rec);
      await events.scalars(rec.step, [
        { tag: "epoch/train_loss", value: rec.loss },
        { tag: "epoch/miou", value: rec.miou },
        { tag: "epoch/aacc", value: rec.aAcc },
        { tag: "epoch/lr", value: rec.lr },
      ]);
      st.completedEpochs = epoch + 1;
      st.epochLossSum = 0;
      st.epochSteps = 0;
      emit({
        type: "message",
        text: `epoch ${epoch + 1}/${epochs} step ${st.step}: loss ${lastLoss.toFixed(4)}, mIoU ${
          (100 * last.mIoU).toFixed(2)
        }, aAcc ${(100 * last.aAcc).toFixed(2)}${best ? " (best)" : ""}`,
      });
      await checkpoint("epoch", best);
    }
    if (last === null) last = await evaluate(); // resumed after the last epoch's checkpoint
    const result: SegTrainResult = {
      task: "segmentation",
      miou: last.mIoU,
      aAcc: last.aAcc,
      mAcc: last.mAcc,
      iou: ious(last),
      bestMiou: st.bestTop1 ?? last.mIoU,
      loss: lastLoss,
      steps: st.step,
      epochs,
      density: tr.density(),
      params: tr.paramCounts(),
      imgPerSec: imgPerSec(),
      dataShare: st.trainMs > 0 ? st.dataMs / st.trainMs : 0,
      wallSeconds: (wallBase + (performance.now() - wallStart)) / 1000,
    };
    await folder.finish(result);
    return result;
  } finally {
    loader.close();
    tr.dispose();
  }
}

/**
 * Trains `config` into `opts.outDir` whatever its task: classification through `trainRun`,
 * segmentation through {@link driveSegmentation} in the same kind of run folder (locked, resumable,
 * result.json last). What `slak train` and the sweep executor call.
 *
 * @throws as `trainRun`; DataError for a `run.init` file that is missing or unreadable
 */
export async function trainTaskRun(
  config: ResolvedTrainConfig,
  opts: TrainRunOptions,
): Promise<TrainResult | SegTrainResult> {
  if (segTaskOf(config) === null) return await trainRun(config, opts);
  const wallStart = performance.now();
  const initFile = config.run.init;
  if (initFile !== undefined) {
    const prov = opts.resume
      ? await initProvenance(initFile).catch(() => null)
      : await initProvenance(initFile);
    if (prov !== null) opts = { ...opts, meta: { ...opts.meta, init: prov } };
  }
  const opened = await RunFolder.open(config, opts);
  if ("done" in opened) return opened.done as unknown as SegTrainResult;
  const folder = opened.folder;
  try {
    return await driveSegmentation(config, opts, folder, wallStart);
  } finally {
    folder.close();
  }
}
