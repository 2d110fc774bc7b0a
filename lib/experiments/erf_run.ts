/**
 * The ERF step of an ERF sweep (`slak ablate erf`): after a run has trained, its effective
 * receptive field is measured exactly as `slak erf` measures it (lib/analysis/erf_measure.ts) on
 * the first K test images of the run's own data set with the run's last (or best) weights, and
 * written into the run folder (erf.npy, erf.png, then erf.json, each atomically). A run of an ERF
 * sweep is done when result.json exists and erf.json records the current settings.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import {
  ERF_FILES,
  type ErfMeasurement,
  imagesOfDataset,
  measureErf,
  writeErf,
} from "../analysis/erf_measure.ts";
import type { ModelConfig } from "../config/model_config.ts";
import { openDataset } from "../data/open_dataset.ts";
import type { DataConfigInput } from "../data/config_types.ts";
import { buildModel, disposeModel } from "../models/model.ts";
import { loadStateDict } from "../models/state_dict.ts";
import { readWeightsFile } from "../models/weights_file.ts";
import type { ErfSettings } from "./erf_settings.ts";
import { isDone, layout, readJsonOrNull } from "./layout.ts";

/** What erf.json of a sweep run holds (the measurement's fields plus provenance). */
export interface RunErfRecord {
  /** Threshold ("0.2", "0.3", "0.5", "0.99") → area ratio. */
  areaRatio: Record<string, number>;
  images: number;
  skipped: number;
  size: [number, number];
  source: string;
  /** The weights measured, relative to the run folder. */
  weights: string;
  /** The settings it was measured with (a different setting measures again). */
  settings: ErfSettings;
  seconds: number;
}

/** Path of a run's erf.json / erf.npy in a sweep folder. */
export const erfPaths = {
  json: (dir: string, id: string) => join(layout.run(dir, id), ERF_FILES.json),
  npy: (dir: string, id: string) => join(layout.run(dir, id), ERF_FILES.npy),
};

/** The run's erf.json, or null when absent or unreadable. */
export function readRunErf(dir: string, id: string): RunErfRecord | null {
  return readJsonOrNull<RunErfRecord>(erfPaths.json(dir, id));
}

/** Whether an ERF-sweep run is finished: trained, and measured with `settings`. */
export function isErfDone(dir: string, id: string, settings: ErfSettings): boolean {
  if (!isDone(dir, id)) return false;
  const rec = readRunErf(dir, id);
  return rec !== null && isDeepStrictEqual(rec.settings, settings);
}

/**
 * Measures the ERF of the trained run in `outDir` (config = the run's resolved training config)
 * and writes erf.npy, erf.png and, last, erf.json there. The backend must already be selected.
 */
export async function measureRunErf(
  config: Record<string, unknown>,
  outDir: string,
  settings: ErfSettings,
): Promise<ErfMeasurement> {
  const weights = `checkpoints/${settings.weights}.safetensors`;
  const path = join(outDir, weights);
  const file = await readWeightsFile(path);
  const ds = await openDataset(config.data as DataConfigInput);
  const images = imagesOfDataset(ds, settings.images);
  const model = buildModel(config.modelConfig as ModelConfig, { zeros: true });
  try {
    loadStateDict(model, file.state, path);
    const m = await measureErf(model, images, {
      size: settings.size ?? undefined,
      batchSize: settings.batchSize,
    });
    await writeErf(outDir, m, { source: images.source, weights, settings });
    return m;
  } finally {
    disposeModel(model);
  }
}
