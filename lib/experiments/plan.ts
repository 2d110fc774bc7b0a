/**
 * Deterministic expansion of an ablation spec at one scale into planned runs: the grid over the
 * axes (zipped axes advance together), seeds outermost (so that a partial sweep first completes
 * every configuration at the first seed), each run's config = scale base ← level overrides (in
 * axis order, the level's own then the scale's) ← the seed ← `--set` overrides, layered and
 * validated strictly by the config kind's resolver. Run id = short hash of the canonical resolved
 * config and the seed.
 *
 * @module
 */
import { type Override, type OverrideInput, overridesOf } from "../config/layering.ts";
import { choices, ConfigError, UserError } from "../util/errors.ts";
import { shortHash } from "./hash.ts";
import { type AblationSpec, scaleOf } from "./spec.ts";

/**
 * The resolver of a config kind (train: resolveTrainConfig): a base config and the overrides to
 * layer over it (spec levels and the seed as parsed overrides, then the `--set` texts) in, the
 * canonical resolved config that a run records out.
 */
export type Resolver = (
  input: Record<string, unknown>,
  where: string,
  overrides: readonly OverrideInput[],
) => Record<string, unknown>;

/** One run of a plan. */
export interface PlannedRun {
  /** Short hash of the resolved config and seed; names the run folder. */
  id: string;
  /** Human-readable name: `label/label/.../s<seed>`. */
  name: string;
  /** 0-based position in the plan (shard k%n gets run k). */
  index: number;
  /** Level label per axis. */
  labels: Record<string, string>;
  seed: number;
  /** The resolved config (what the run records in config.json). */
  config: Record<string, unknown>;
}

/** An expanded spec. */
export interface Plan {
  spec: string;
  title: string;
  kind: AblationSpec["kind"];
  scale: string;
  /**
   * Hash of what the plan runs: spec name, scale, and every run's id (resolved config + seed),
   * name and position. Titles, notes, the reference row and the paper column do not enter it, so
   * editing them does not invalidate a sweep folder; a DIR keeps the runs it was made for.
   */
  specHash: string;
  seeds: number[];
  sets: string[];
  /** Axis names, in order. */
  axes: string[];
  /** The parsed spec (so that `slak table` needs only the folder). */
  definition: AblationSpec;
  runs: PlannedRun[];
}

/** Options of {@link expandPlan}. */
export interface ExpandOptions {
  /** Override the scale's seeds with 0..K-1. */
  seeds?: number | undefined;
  /** `path=value` overrides applied to every run (e.g. `data.path=/data/imagenet`). */
  sets?: readonly string[] | undefined;
  /** Resolves a run's config (train: resolveTrainConfig). */
  resolve: Resolver;
}

interface Choice {
  labels: Record<string, string>;
  /** The levels' overrides, in axis order (each level's own, then the scale's). */
  overrides: Override[];
}

/** The seeds of a scale: a count K means 0..K-1. */
export function seedList(seeds: number | number[]): number[] {
  return typeof seeds === "number" ? Array.from({ length: seeds }, (_, i) => i) : [...seeds];
}

/**
 * Expands `spec` at `scale`. Throws ConfigError for a missing scale, a zip of unequal axes, a
 * missing required `--set`, an invalid resolved config, or two runs with identical configs.
 */
export function expandPlan(spec: AblationSpec, scale: string, opts: ExpandOptions): Plan {
  const sc = scaleOf(spec, scale);
  const sets = [...(opts.sets ?? [])];
  for (const req of sc.required) {
    if (!sets.some((s) => s.slice(0, s.indexOf("=")).trim() === req)) {
      throw new ConfigError(
        `Ablation "${spec.name}" at scale "${scale}" needs --set ${req}=...` +
          (req === "data.path" ? " (an ImageFolder tree with train/ and val/)" : ""),
      );
    }
  }
  const seeds = opts.seeds !== undefined ? seedList(opts.seeds) : seedList(sc.seeds);
  if (spec.kind === "count" && seeds.length !== 1) {
    throw new ConfigError(`Ablation "${spec.name}" only counts: it takes exactly one seed`);
  }

  // Levels per axis after `only`, each with its overrides.
  const levels = new Map<string, Choice[]>();
  for (const axis of spec.axes) {
    const only = sc.only[axis.name];
    const chosen = only ? axis.levels.filter((l) => only.includes(l.label)) : axis.levels;
    levels.set(
      axis.name,
      chosen.map((l) => ({
        labels: { [axis.name]: l.label },
        overrides: [
          ...overridesOf(l.set, `${spec.name}: axis ${axis.name} level ${l.label}`),
          ...overridesOf(
            sc.levels[axis.name]?.[l.label] ?? {},
            `${spec.name}: scales.${scale}.levels.${axis.name}.${l.label}`,
          ),
        ],
      })),
    );
  }
  for (const axisName of Object.keys(sc.levels)) {
    if (!levels.has(axisName)) {
      throw new ConfigError(
        `${spec.name}: scales.${scale}.levels: unknown axis "${axisName}"; axes: ${
          choices([...levels.keys()])
        }`,
      );
    }
  }

  // Factors of the grid: zipped groups act as one axis, at the position of their first member.
  const factors: Choice[][] = [];
  const done = new Set<string>();
  for (const axis of spec.axes) {
    if (done.has(axis.name)) continue;
    const group = spec.zip.find((g) => g.includes(axis.name)) ?? [axis.name];
    const lists = group.map((a) => levels.get(a)!);
    const n = lists[0]!.length;
    if (lists.some((l) => l.length !== n)) {
      throw new ConfigError(
        `${spec.name}: zipped axes ${
          choices(group)
        } need equal level counts at scale "${scale}", ` +
          `got ${lists.map((l) => l.length).join(", ")}`,
      );
    }
    factors.push(
      Array.from({ length: n }, (_, i) => ({
        labels: Object.assign({}, ...lists.map((l) => l[i]!.labels)),
        overrides: lists.flatMap((l) => l[i]!.overrides),
      })),
    );
    group.forEach((a) => done.add(a));
  }
  let combos: Choice[] = [{ labels: {}, overrides: [] }];
  for (const f of factors) {
    combos = combos.flatMap((c) =>
      f.map((x) => ({
        labels: { ...c.labels, ...x.labels },
        overrides: [...c.overrides, ...x.overrides],
      }))
    );
  }

  const runs: PlannedRun[] = [];
  const byId = new Map<string, string>();
  for (const seed of seeds) {
    for (const combo of combos) {
      const overrides: Override[] = [...combo.overrides];
      if (spec.kind !== "count") {
        overrides.push({ path: ["run", "seed"], value: seed, source: spec.name });
      }
      const labelText = spec.axes.map((a) => combo.labels[a.name]).join("/");
      const name = `${labelText ? `${labelText}/` : ""}s${seed}`;
      const where = `${spec.name} (${scale}) run ${name}`;
      const config = opts.resolve(structuredClone(sc.base), where, [...overrides, ...sets]);
      const id = shortHash({ config, seed });
      const twin = byId.get(id);
      if (twin) {
        throw new ConfigError(
          `${spec.name} (${scale}): runs ${twin} and ${name} have identical configs; ` +
            `make their levels differ`,
        );
      }
      byId.set(id, name);
      runs.push({ id, name, index: runs.length, labels: combo.labels, seed, config });
    }
  }
  return {
    spec: spec.name,
    title: spec.title,
    kind: spec.kind,
    scale,
    specHash: planHash(spec.name, scale, runs),
    seeds,
    sets,
    axes: spec.axes.map((a) => a.name),
    definition: spec,
    runs,
  };
}

/** The runs shard `index`/`count` (1-based) gets: run k goes to shard k % count + 1. */
export function shardRuns(plan: Plan, index: number, count: number): PlannedRun[] {
  return plan.runs.filter((r) => r.index % count === index - 1);
}

/** The identity of a plan's runs (see {@link Plan.specHash}). */
export function planHash(
  spec: string,
  scale: string,
  runs: readonly Pick<PlannedRun, "id" | "name">[],
): string {
  return shortHash({ spec, scale, runs: runs.map((r) => [r.id, r.name]) }, 16);
}

/** A run's labels plus its seed as the pseudo-axis "seed". */
function runLabels(r: PlannedRun): Record<string, string> {
  return { ...r.labels, seed: String(r.seed) };
}

/**
 * Parses `--only axis=level[,level...]` selections (repeatable) against a plan: unknown axes or
 * levels are errors listing the valid ones.
 */
export function parseOnly(plan: Plan, texts: readonly string[]): Record<string, string[]> {
  const axes = new Map<string, Set<string>>();
  for (const r of plan.runs) {
    for (const [k, v] of Object.entries(runLabels(r))) {
      if (!axes.has(k)) axes.set(k, new Set());
      axes.get(k)!.add(v);
    }
  }
  const out: Record<string, string[]> = {};
  for (const t of texts) {
    const eq = t.indexOf("=");
    const axis = eq > 0 ? t.slice(0, eq) : "";
    const levels = eq > 0 ? t.slice(eq + 1).split(",").filter(Boolean) : [];
    const known = axes.get(axis);
    if (!known || levels.length === 0) {
      throw new UserError(
        `--only "${t}": expected axis=level[,level]; axes of this plan: ${
          choices([...axes.keys()])
        }`,
      );
    }
    for (const l of levels) {
      if (!known.has(l)) {
        throw new UserError(
          `--only "${t}": axis "${axis}" has no level "${l}"; levels: ${choices([...known])}`,
        );
      }
    }
    out[axis] = [...(out[axis] ?? []), ...levels];
  }
  return out;
}

/** The runs whose labels match every `only` selection (all runs when it is empty). */
export function selectRuns(
  runs: readonly PlannedRun[],
  only: Record<string, string[]>,
): PlannedRun[] {
  return runs.filter((r) => {
    const labels = runLabels(r);
    return Object.entries(only).every(([k, ls]) => ls.includes(labels[k] ?? ""));
  });
}
