/**
 * Saving a plan into its sweep folder and refusing to mix plans: a folder keeps the runs it was
 * made for, and a spec change that alters them (other levels, configs, seeds, `--set`) is refused
 * unless forced. A change that leaves the runs alone (title, notes, reference row, paper column)
 * updates the saved plan, so that `slak table` shows it.
 * Writes are atomic and deterministic (no timestamps), so shards writing the same plan at once
 * are harmless.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { layout, readJsonOrNull } from "./layout.ts";
import { type Plan, planHash } from "./plan.ts";

/** Reads DIR/plan.json (null when there is none). */
export function readPlan(dir: string): Plan | null {
  const p = readJsonOrNull<Plan>(layout.plan(dir));
  return p && Array.isArray(p.runs) ? p : null;
}

/**
 * Writes `plan` into `dir` (created as needed). When the folder already holds a plan with other
 * runs, throws a UserError unless `force`, in which case the new plan replaces it (finished runs
 * of the old plan stay in runs/ and are reused when their ids recur). The same runs under an
 * edited presentation replace the saved plan silently.
 */
export async function savePlan(dir: string, plan: Plan, force: boolean): Promise<void> {
  await Deno.mkdir(layout.runs(dir), { recursive: true });
  await Deno.mkdir(layout.locks(dir), { recursive: true });
  const old = readPlan(dir);
  // Recomputed rather than read: plans saved by older builds hashed the whole spec.
  const sameRuns = old !== null && planHash(old.spec, old.scale, old.runs) === plan.specHash;
  if (sameRuns && JSON.stringify(old) === JSON.stringify(plan)) return;
  if (old && !sameRuns && !force) {
    throw new UserError(
      `${dir} holds the plan of ${old.spec} (${old.scale}, spec hash ${old.specHash}); the spec, ` +
        `seeds or --set now give other runs (hash ${plan.specHash}). Use another --out, or ` +
        `--force to replace the plan (finished runs whose config is unchanged are kept)`,
    );
  }
  await writeJsonAtomic(layout.plan(dir), plan);
}
