/**
 * Which shard of a sweep this process runs: `--shard i/n` (1-based), else `SLAK_SHARD=i/n`, else
 * the array variables of the engine that started it (SLURM job arrays, Kubernetes Indexed Jobs,
 * GitLab CI `parallel`, AWS Batch array jobs, Cloud Run jobs), else 1/1. Invalid or half-set
 * variables are errors naming the variable, never silently ignored.
 *
 * @module
 */
import { UserError } from "../util/errors.ts";

/** A shard: 1-based index, count, and where it came from (printed and recorded per run). */
export interface ShardInfo {
  index: number;
  count: number;
  /** e.g. `--shard 2/4`, `SLURM_ARRAY_TASK_ID=3 (SLURM_ARRAY_TASK_MIN=0, _COUNT=8)`, `none`. */
  source: string;
}

/** Environment lookup (Deno.env.get or a plain record in tests). */
export type EnvGet = (name: string) => string | undefined;

function int(name: string, raw: string): number {
  const t = raw.trim();
  if (!/^-?\d+$/.test(t)) throw new UserError(`${name}="${raw}" is not an integer`);
  return Number(t);
}

/** Parses `i/n` (1-based); `what` names the flag or variable in errors. */
export function parseShardText(text: string, what: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserError(`${what}: expected INDEX/COUNT (e.g. 2/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new UserError(
      `${what}: expected INDEX/COUNT with 1 <= INDEX <= COUNT, got "${text}"`,
    );
  }
  return { index, count };
}

function zeroBased(
  env: EnvGet,
  indexVar: string,
  countVar: string,
): ShardInfo | null {
  const i = env(indexVar);
  const n = env(countVar);
  if (i === undefined && n === undefined) return null;
  if (i === undefined) throw new UserError(`${countVar} is set but ${indexVar} is not`);
  if (n === undefined) throw new UserError(`${indexVar} is set but ${countVar} is not`);
  const index = int(indexVar, i);
  const count = int(countVar, n);
  if (count < 1) throw new UserError(`${countVar}=${n} must be >= 1`);
  if (index < 0 || index >= count) {
    throw new UserError(`${indexVar}=${i} must be in 0..${count - 1} (${countVar}=${n})`);
  }
  return { index: index + 1, count, source: `${indexVar}=${i} (${countVar}=${n})` };
}

/**
 * Detects the shard. Order: `flag` > SLAK_SHARD > SLURM_ARRAY_TASK_ID/_COUNT/_MIN >
 * JOB_COMPLETION_INDEX + SLAK_SHARD_COUNT > CI_NODE_INDEX/_TOTAL (1-based) >
 * AWS_BATCH_JOB_ARRAY_INDEX/_SIZE > CLOUD_RUN_TASK_INDEX/_COUNT > 1/1.
 * @example
 * ```ts
 * detectShard(undefined, (k) => ({ CI_NODE_INDEX: "2", CI_NODE_TOTAL: "3" })[k]);
 * // { index: 2, count: 3, source: "CI_NODE_INDEX=2 (CI_NODE_TOTAL=3)" }
 * ```
 */
export function detectShard(flag: string | undefined, env: EnvGet): ShardInfo {
  if (flag !== undefined) return { ...parseShardText(flag, "--shard"), source: `--shard ${flag}` };
  const slak = env("SLAK_SHARD");
  if (slak !== undefined && slak.trim() !== "") {
    return { ...parseShardText(slak, "SLAK_SHARD"), source: `SLAK_SHARD=${slak}` };
  }

  const slurmId = env("SLURM_ARRAY_TASK_ID");
  if (slurmId !== undefined) {
    const c = env("SLURM_ARRAY_TASK_COUNT");
    if (c === undefined) {
      throw new UserError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    }
    const id = int("SLURM_ARRAY_TASK_ID", slurmId);
    const count = int("SLURM_ARRAY_TASK_COUNT", c);
    const minRaw = env("SLURM_ARRAY_TASK_MIN");
    const min = minRaw === undefined ? 0 : int("SLURM_ARRAY_TASK_MIN", minRaw);
    const stepRaw = env("SLURM_ARRAY_TASK_STEP");
    const step = stepRaw === undefined ? 1 : int("SLURM_ARRAY_TASK_STEP", stepRaw);
    if (step !== 1) {
      throw new UserError(
        `SLURM_ARRAY_TASK_STEP=${stepRaw}: only contiguous arrays (step 1) map to shards; ` +
          `pass --shard i/n instead`,
      );
    }
    if (count < 1) throw new UserError(`SLURM_ARRAY_TASK_COUNT=${c} must be >= 1`);
    const k = id - min;
    if (k < 0 || k >= count) {
      throw new UserError(
        `SLURM_ARRAY_TASK_ID=${slurmId} must be in ${min}..${min + count - 1} ` +
          `(SLURM_ARRAY_TASK_MIN=${minRaw ?? "unset"}, SLURM_ARRAY_TASK_COUNT=${c}); ` +
          `for arrays with gaps pass --shard i/n`,
      );
    }
    return {
      index: k + 1,
      count,
      source: `SLURM_ARRAY_TASK_ID=${slurmId} (SLURM_ARRAY_TASK_MIN=${
        minRaw ?? "unset"
      }, SLURM_ARRAY_TASK_COUNT=${c})`,
    };
  }
  if (env("SLURM_ARRAY_TASK_COUNT") !== undefined) {
    throw new UserError("SLURM_ARRAY_TASK_COUNT is set but SLURM_ARRAY_TASK_ID is not");
  }

  const k8s = zeroBased(env, "JOB_COMPLETION_INDEX", "SLAK_SHARD_COUNT");
  if (k8s) return k8s;

  const ciI = env("CI_NODE_INDEX");
  const ciN = env("CI_NODE_TOTAL");
  if (ciI !== undefined || ciN !== undefined) {
    if (ciI === undefined) throw new UserError("CI_NODE_TOTAL is set but CI_NODE_INDEX is not");
    if (ciN === undefined) throw new UserError("CI_NODE_INDEX is set but CI_NODE_TOTAL is not");
    const index = int("CI_NODE_INDEX", ciI);
    const count = int("CI_NODE_TOTAL", ciN);
    if (count < 1) throw new UserError(`CI_NODE_TOTAL=${ciN} must be >= 1`);
    if (index < 1 || index > count) {
      throw new UserError(`CI_NODE_INDEX=${ciI} must be in 1..${count} (CI_NODE_TOTAL=${ciN})`);
    }
    return { index, count, source: `CI_NODE_INDEX=${ciI} (CI_NODE_TOTAL=${ciN})` };
  }

  const aws = zeroBased(env, "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE");
  if (aws) return aws;
  const run = zeroBased(env, "CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT");
  if (run) return run;
  return { index: 1, count: 1, source: "none (one shard)" };
}
