/**
 * timm's RandAugment config strings (`rand-m9-mstd0.5-inc1`) parsed into a typed form. Sections
 * after `rand`, in any order: `m` magnitude (int), `n` ops per image (int), `mstd` magnitude noise
 * std (float; timm's uniform sampling for values above 100 is not supported), `mmax` magnitude cap (int),
 * `inc` 1 = the increasing-severity op set, `p` per-op probability (float). The weighted op choice
 * (`w`) is not supported.
 *
 * @module
 */
import { ConfigError } from "../../util/errors.ts";

/** A parsed RandAugment setting (timm's `rand_augment_transform` arguments). */
export interface RandAugmentSpec {
  /** Magnitude on timm's 0–10 scale. */
  magnitude: number;
  /** Std of the Gaussian noise added to the magnitude per op (0 none). */
  magnitudeStd: number;
  /** Upper clamp of the noisy magnitude. */
  magnitudeMax: number;
  /** Ops applied per image (chosen with replacement). */
  numLayers: number;
  /** True: timm's `_RAND_INCREASING_TRANSFORMS` (severity grows with magnitude). */
  increasing: boolean;
  /** Probability that a chosen op is applied. */
  prob: number;
}

/** The paper's `rand-m9-mstd0.5-inc1`. */
export const PAPER_RAND_AUGMENT = "rand-m9-mstd0.5-inc1";

/**
 * Parses a RandAugment string.
 * @param where field path prefixed to messages ("" for none)
 * @throws ConfigError naming `where` and the bad section
 * @example
 * ```ts
 * const s = parseRandAugment("rand-m9-mstd0.5-inc1");
 * if (s.magnitude !== 9 || !s.increasing || s.numLayers !== 2) throw new Error("bad parse");
 * ```
 */
export function parseRandAugment(text: string, where = "randAugment"): RandAugmentSpec {
  const parts = text.split("-");
  const bad = (why: string) =>
    new ConfigError(
      `${where === "" ? "" : `${where}: `}${
        JSON.stringify(text)
      }: ${why} (expected e.g. "${PAPER_RAND_AUGMENT}": rand ` +
        `then m<int>, n<int>, mstd<float>, mmax<int>, inc<0|1>, p<float>)`,
    );
  if (parts[0] !== "rand") throw bad('must start with "rand"');
  const spec: RandAugmentSpec = {
    magnitude: 10,
    magnitudeStd: 0,
    magnitudeMax: 10,
    numLayers: 2,
    increasing: false,
    prob: 0.5,
  };
  for (const part of parts.slice(1)) {
    const m = /^([a-z]+)(\d.*)$/.exec(part);
    if (m === null) throw bad(`section "${part}" has no value`);
    const key = m[1]!;
    const val = m[2]!;
    const num = Number(val);
    if (!Number.isFinite(num) || num < 0) throw bad(`section "${part}": bad number`);
    const int = () => {
      if (!Number.isInteger(num)) throw bad(`section "${part}": needs an integer`);
      return num;
    };
    switch (key) {
      case "m":
        spec.magnitude = int();
        break;
      case "n":
        spec.numLayers = int();
        break;
      case "mstd":
        if (num > 100) throw bad(`section "${part}": uniform magnitudes (mstd > 100) unsupported`);
        spec.magnitudeStd = num;
        break;
      case "mmax":
        spec.magnitudeMax = int();
        break;
      case "inc":
        spec.increasing = int() !== 0;
        break;
      case "p":
        if (num > 1) throw bad(`section "${part}": a probability is at most 1`);
        spec.prob = num;
        break;
      default:
        throw bad(`unknown section "${key}"`);
    }
  }
  return spec;
}
