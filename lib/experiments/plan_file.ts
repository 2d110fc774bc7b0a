/**
 * Saving a plan into its sweep folder and refusing to mix plans: a folder keeps the spec hash it
 * was made for, and a changed spec (other levels, seeds, `--set`) is refused unless forced.
 * Writes are atomic and deterministic (no timestamps), so shards writing the same plan at once
 * are harmless.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { layout, readJsonOrNull } from "./layout.ts";
import type { Plan } from "./plan.ts";

/** Reads DIR/plan.json (null when there is none). */
export function readPlan(dir: string): Plan | null {
  const p = readJsonOrNull<Plan>(layout.plan(dir));
  return p && Array.isArray(p.runs) ? p : null;
}

/**
 * Writes `plan` into `dir` (created as needed). When the folder already holds a plan with another
 * spec hash, throws a UserError unless `force`, in which case the new plan replaces it (finished
 * runs of the old plan stay in runs/ and are reused when their ids recur).
 */
export async function savePlan(dir: string, plan: Plan, force: boolean): Promise<void> {
  await Deno.mkdir(layout.runs(dir), { recursive: true });
  await Deno.mkdir(layout.locks(dir), { recursive: true });
  const old = readPlan(dir);
  if (old && old.specHash === plan.specHash) return;
  if (old && !force) {
    throw new UserError(
      `${dir} holds the plan of ${old.spec} (${old.scale}, spec hash ${old.specHash}); the spec, ` +
        `seeds or --set now give hash ${plan.specHash}. Use another --out, or --force to replace ` +
        `the plan (finished runs whose config is unchanged are kept)`,
    );
  }
  await writeJsonAtomic(layout.plan(dir), plan);
}
