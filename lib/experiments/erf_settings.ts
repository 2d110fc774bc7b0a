/**
 * How `slak ablate erf` measures each trained run's effective receptive field (a scale's `erf:`
 * section of the spec): how many test images, the size they are resized to, images per backward
 * pass and which weights of the run. These settings are not part of the training config, so they
 * do not enter the run ids; they are recorded in each run's erf.json, and a run whose erf.json was
 * measured with other settings is measured again (never retrained).
 *
 * @module
 */
import { z } from "zod";

/** The `erf:` section of a scale. */
export const ErfSettingsSchema = z.strictObject({
  /** Test images averaged (the first K of the run's own data set, test split). */
  images: z.int().min(1).default(50),
  /** Side the images are resized to before measuring (null: the training size). */
  size: z.int().min(32).nullable().default(null),
  /** Images per backward pass. */
  batchSize: z.int().min(1).default(4),
  /** Weights measured: the last checkpoint (default) or the best by mid-run test top-1. */
  weights: z.enum(["last", "best"]).default("last"),
});

/** Parsed ERF settings. */
export type ErfSettings = z.output<typeof ErfSettingsSchema>;

/** The settings of a scale section (its `erf:` or the defaults). */
export function erfSettingsOf(scale: { erf?: ErfSettings | undefined }): ErfSettings {
  return scale.erf ?? ErfSettingsSchema.parse({});
}
