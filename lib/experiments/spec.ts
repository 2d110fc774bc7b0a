/**
 * The ablation spec (configs/ablations/*.yaml): named axes of labelled levels, each level a set
 * of overrides of the training config (`dotted.path: value`, layered by the config engine like
 * `--set`); zipped axes; seeds; one section per scale (smoke | small | medium | paper) with the base config
 * of that scale and per-scale overrides of the levels (e.g. kernel sizes scaled to the input); the
 * paper's numbers to compare with; and the claims the rows test (see claims.ts). Strict: unknown
 * keys are errors.
 *
 * @module
 */
import { z } from "zod";
import { readConfigFile, validate } from "../config/layering.ts";
import { OverridesSchema } from "../config/named.ts";
import { choices, ConfigError } from "../util/errors.ts";
import { ClaimSchema } from "./claims.ts";
import { ErfSettingsSchema } from "./erf_settings.ts";
import { builtinNamesIn, readBuiltinSpec } from "./spec_source.ts";

/**
 * The scales every spec may declare: smoke (CI check), small (64 px CPU proxy), medium (128 px,
 * where the kernel levels differ in every stage that can hold them), paper (the paper's setting).
 */
export const SCALES = ["smoke", "small", "medium", "paper"] as const;
/** A scale name. */
export type Scale = typeof SCALES[number];

/** What a run of the spec does. */
export const SPEC_KINDS = ["train", "count", "erf"] as const;

const label = z.union([z.string().min(1), z.number()]).transform((v) => String(v));

/** One level of an axis. */
export const LevelSchema = z.strictObject({
  /** Short label shown in tables (a kernel size, a recipe name). */
  label,
  /** One line describing the level. */
  note: z.string().optional(),
  /** Name spelled out in plot legends (e.g. "decomposed M×N + N×M"); default: the label. */
  name: z.string().min(1).optional(),
  /** Overrides of the scale's base config (`dotted.path: value`, layered like `--set`). */
  set: OverridesSchema.default({}),
});

/** An axis: a name and its levels, in order. */
export const AxisSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "axis names are lower_snake_case"),
  levels: z.array(LevelSchema).min(1),
});

/** One scale of a spec. */
export const ScaleSpecSchema = z.strictObject({
  /** One line: what this scale runs on and how long it takes. */
  note: z.string().optional(),
  /** Seeds: a count (0..K-1) or an explicit list. */
  seeds: z.union([z.int().min(1), z.array(z.int().min(0)).min(1)]).default(1),
  /** Base config of every run at this scale (a training config, or `{model, inputSize}`). */
  base: z.record(z.string(), z.unknown()),
  /** Per-scale overrides of levels: `{axis: {label: overrides}}`, after the level's own. */
  levels: z.record(z.string(), z.record(z.string(), OverridesSchema)).default({}),
  /** Restrict axes to these labels at this scale. */
  only: z.record(z.string(), z.array(label).min(1)).default({}),
  /** Config paths the user must give with `--set` (e.g. `data.path` of ImageNet). */
  required: z.array(z.string()).default([]),
  /**
   * Backend used when `--backend` is not given (default "auto"). Tiny CPU-scale models run faster
   * on the cpu backend than through WebGPU's per-shape shader compiles on a software adapter.
   */
  backend: z.enum(["auto", "cpu", "webgpu"]).default("auto"),
  /** ERF measurement of each trained run (kind erf; see erf_settings.ts). */
  erf: ErfSettingsSchema.optional(),
});
/** A parsed scale section. */
export type ScaleSpec = z.output<typeof ScaleSpecSchema>;

/** A paper number attached to the level combination it matches. */
export const PaperValueSchema = z.strictObject({
  /** `{axis: label}`; axes not named match any level. */
  match: z.record(z.string(), label),
  /** The paper's value of the spec's metric (percent), or null = not known (shown "unknown"). */
  value: z.number().nullable(),
  /** Where the number comes from, if it differs from `paper.source`. */
  source: z.string().optional(),
});

/** The whole spec file. */
export const AblationSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "spec names are lower-kebab-case"),
  title: z.string(),
  description: z.string().default(""),
  kind: z.enum(SPEC_KINDS).default("train"),
  /** A command this spec needs that may not exist yet (shown by --list, checked before running). */
  depends: z.string().nullable().default(null),
  /** Result field compared across rows (percent; `miou`: segmentation runs' mean IoU). */
  metric: z.enum(["top1", "top5", "miou", "none"]).default("top1"),
  axes: z.array(AxisSchema).default([]),
  /** Groups of axes advanced together instead of crossed (equal level counts). */
  zip: z.array(z.array(z.string()).min(2)).default([]),
  /**
   * The row other rows are compared with (Δ ref column), as `{axis: label}`; axes it leaves out
   * are taken from the compared row (omit `dataset` to compare within each dataset).
   */
  reference: z.record(z.string(), label).nullable().default(null),
  paper: z.strictObject({
    /** What the paper column holds and where it comes from. */
    source: z.string(),
    /** Paper values of the metric. */
    values: z.array(PaperValueSchema).default([]),
    /** Params (M) and MACs (G) of the paper's models, for counting specs. */
    counts: z.array(z.strictObject({
      match: z.record(z.string(), label),
      paramsM: z.number(),
      gmacs: z.number(),
    })).default([]),
  }).nullable().default(null),
  /**
   * The paper's claims the rows test, each judged by `slak table` from the paired difference over
   * seeds (claims.ts). Not part of any run id or plan hash.
   */
  claims: z.array(ClaimSchema).default([]),
  /** An accuracy-vs-axis plot: x axis (numeric labels) and one series per level of `series`. */
  plot: z.strictObject({ x: z.string(), series: z.string(), xLabel: z.string().optional() })
    .nullable().default(null),
  scales: z.partialRecord(z.enum(SCALES), ScaleSpecSchema),
}).superRefine((s, ctx) => {
  const names = s.axes.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) ctx.addIssue({ code: "custom", path: ["axes"], message: `axis "${dup}" twice` });
  const seen = new Set<string>();
  for (const [g, group] of s.zip.entries()) {
    for (const a of group) {
      if (!names.includes(a)) {
        ctx.addIssue({
          code: "custom",
          path: ["zip", g],
          message: `unknown axis "${a}"; axes: ${choices(names)}`,
        });
      }
      if (seen.has(a)) {
        ctx.addIssue({ code: "custom", path: ["zip", g], message: `axis "${a}" zipped twice` });
      }
      seen.add(a);
    }
  }
  for (const a of s.axes) {
    const labels = a.levels.map((l) => l.label);
    const d = labels.find((l, i) => labels.indexOf(l) !== i);
    if (d) {
      ctx.addIssue({
        code: "custom",
        path: ["axes"],
        message: `axis "${a.name}": label "${d}" twice`,
      });
    }
  }
  const checkMatch = (m: Record<string, string>, path: (string | number)[]) => {
    for (const [k, v] of Object.entries(m)) {
      const axis = s.axes.find((a) => a.name === k);
      if (!axis) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `unknown axis "${k}"; axes: ${choices(names)}`,
        });
      } else if (!axis.levels.some((l) => l.label === v)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `axis "${k}" has no level "${v}"; levels: ${
            choices(axis.levels.map((l) => l.label))
          }`,
        });
      }
    }
  };
  if (s.reference) checkMatch(s.reference, ["reference"]);
  s.paper?.values.forEach((v, i) => checkMatch(v.match, ["paper", "values", i, "match"]));
  s.paper?.counts.forEach((v, i) => checkMatch(v.match, ["paper", "counts", i, "match"]));
  const ids = s.claims.map((c) => c.id);
  s.claims.forEach((c, i) => {
    if (ids.indexOf(c.id) !== i) {
      ctx.addIssue({ code: "custom", path: ["claims", i, "id"], message: `claim "${c.id}" twice` });
    }
    checkMatch(c.compare.a, ["claims", i, "compare", "a"]);
    checkMatch(c.compare.b, ["claims", i, "compare", "b"]);
    if (
      JSON.stringify(Object.entries(c.compare.a).sort()) ===
        JSON.stringify(Object.entries(c.compare.b).sort())
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["claims", i, "compare"],
        message: `claim "${c.id}": a and b select the same rows`,
      });
    }
    const keysA = Object.keys(c.compare.a).sort().join(", ");
    const keysB = Object.keys(c.compare.b).sort().join(", ");
    if (keysA !== keysB) {
      ctx.addIssue({
        code: "custom",
        path: ["claims", i, "compare"],
        message: `claim "${c.id}": a names axes [${keysA}] but b names [${keysB}]; name the same`,
      });
    }
    const counting = s.kind === "count";
    const m = c.metric ?? s.metric;
    const counted = m === "params" || m === "macs";
    const measured = s.metric === "miou" ? m === "miou" : m === "top1" || m === "top5";
    if (counting ? !counted : !measured) {
      ctx.addIssue({
        code: "custom",
        path: ["claims", i, "metric"],
        message: counting
          ? `claim "${c.id}": a counting spec compares params or macs`
          : `claim "${c.id}": metric "${m}" is not measured by this spec; allowed: ` +
            (s.metric === "miou" ? "miou" : "top1, top5"),
      });
    }
  });
  if (s.plot) {
    for (const k of [s.plot.x, s.plot.series]) {
      if (!names.includes(k)) {
        ctx.addIssue({ code: "custom", path: ["plot"], message: `unknown axis "${k}"` });
      }
    }
  }
  for (const [scale, sc] of Object.entries(s.scales)) {
    if (!sc) continue;
    for (const [axisName, byLabel] of Object.entries(sc.levels)) {
      for (const l of Object.keys(byLabel)) {
        checkMatch({ [axisName]: l }, ["scales", scale, "levels"]);
      }
    }
    for (const [axisName, labels] of Object.entries(sc.only)) {
      for (const l of labels) checkMatch({ [axisName]: l }, ["scales", scale, "only"]);
    }
  }
});

/** A parsed ablation spec. */
export type AblationSpec = z.output<typeof AblationSpecSchema>;

/** Parses a spec value; one ConfigError names the file and every bad field. */
export function parseSpec(value: unknown, where: string): AblationSpec {
  return validate(AblationSpecSchema, value, where);
}

/** Folder of the built-in specs. */
export const SPEC_DIR = new URL("../../configs/ablations/", import.meta.url);

/** Names of the built-in specs (file names without .yaml), sorted. */
export function builtinSpecNames(): string[] {
  return builtinNamesIn(SPEC_DIR);
}

/** A spec and the file it came from. */
export interface LoadedSpec {
  spec: AblationSpec;
  path: string;
}

/**
 * Loads a spec by built-in name (`kernel-scaling`) or by path (anything ending in .yaml/.yml/.json
 * or containing a slash).
 */
export async function loadSpec(nameOrPath: string): Promise<LoadedSpec> {
  const isPath = /\.(ya?ml|json)$/i.test(nameOrPath) || nameOrPath.includes("/");
  let path: string;
  if (isPath) {
    path = nameOrPath;
  } else {
    const names = builtinSpecNames();
    if (!names.includes(nameOrPath)) {
      throw new ConfigError(`Unknown ablation "${nameOrPath}"; valid ablations: ${choices(names)}`);
    }
    const b = await readBuiltinSpec(SPEC_DIR, nameOrPath);
    return { spec: parseSpec(b.value, b.path), path: b.path };
  }
  const value = await readConfigFile(path);
  return { spec: parseSpec(value, path), path };
}

/** The section of `scale`, or a ConfigError listing the scales the spec has. */
export function scaleOf(spec: AblationSpec, scale: string): ScaleSpec {
  if (!(SCALES as readonly string[]).includes(scale)) {
    throw new ConfigError(`Unknown scale "${scale}"; valid scales: ${choices(SCALES)}`);
  }
  const s = spec.scales[scale as Scale];
  if (!s) {
    throw new ConfigError(
      `Ablation "${spec.name}" has no scale "${scale}"; it has: ${
        choices(Object.keys(spec.scales))
      }`,
    );
  }
  return s;
}
