import assert from "node:assert/strict";
import { detectShard, parseShardText } from "../../lib/experiments/mod.ts";
import { UserError } from "../../lib/util/errors.ts";

const env = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("detectShard() reads every engine's variables (1-based result)", () => {
  const cases: [Record<string, string>, number, number, RegExp][] = [
    [{}, 1, 1, /none/],
    [{ SLAK_SHARD: "2/5" }, 2, 5, /SLAK_SHARD=2\/5/],
    [
      { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "8", SLURM_ARRAY_TASK_MIN: "0" },
      4,
      8,
      /SLURM_ARRAY_TASK_ID=3/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "5" },
      1,
      4,
      /MIN=5/,
    ],
    [{ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "3" }, 3, 3, /MIN=unset/],
    [{ JOB_COMPLETION_INDEX: "0", SLAK_SHARD_COUNT: "4" }, 1, 4, /JOB_COMPLETION_INDEX=0/],
    [{ CI_NODE_INDEX: "3", CI_NODE_TOTAL: "3" }, 3, 3, /CI_NODE_INDEX=3/],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "9", AWS_BATCH_JOB_ARRAY_SIZE: "10" }, 10, 10, /AWS_BATCH/],
    [{ CLOUD_RUN_TASK_INDEX: "1", CLOUD_RUN_TASK_COUNT: "2" }, 2, 2, /CLOUD_RUN_TASK_INDEX=1/],
  ];
  for (const [vars, index, count, source] of cases) {
    const s = detectShard(undefined, env(vars));
    assert.deepEqual([s.index, s.count], [index, count], JSON.stringify(vars));
    assert.match(s.source, source);
  }
});

Deno.test("detectShard() precedence: --shard > SLAK_SHARD > engines", () => {
  const vars = {
    SLAK_SHARD: "2/3",
    SLURM_ARRAY_TASK_ID: "0",
    SLURM_ARRAY_TASK_COUNT: "2",
    CI_NODE_INDEX: "1",
    CI_NODE_TOTAL: "1",
  };
  assert.equal(detectShard("1/4", env(vars)).count, 4);
  assert.equal(detectShard(undefined, env(vars)).count, 3);
  const { SLAK_SHARD: _, ...noSlak } = vars;
  assert.equal(detectShard(undefined, env(noSlak)).count, 2);
  // An empty SLAK_SHARD counts as unset.
  assert.equal(detectShard(undefined, env({ ...noSlak, SLAK_SHARD: "" })).count, 2);
});

Deno.test("detectShard() rejects invalid and half-set variables, naming them", () => {
  const bad: [string | undefined, Record<string, string>, RegExp][] = [
    ["0/3", {}, /--shard: expected INDEX\/COUNT with 1 <= INDEX <= COUNT/],
    ["4/3", {}, /--shard/],
    ["a/b", {}, /--shard: expected INDEX\/COUNT/],
    ["1/0", {}, /--shard/],
    [undefined, { SLAK_SHARD: "3" }, /SLAK_SHARD/],
    [
      undefined,
      { SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_COUNT: "8" },
      /SLURM_ARRAY_TASK_ID=8 must be in 0\.\.7/,
    ],
    [undefined, { SLURM_ARRAY_TASK_ID: "1" }, /SLURM_ARRAY_TASK_COUNT is not/],
    [undefined, { SLURM_ARRAY_TASK_COUNT: "4" }, /SLURM_ARRAY_TASK_ID is not/],
    [
      undefined,
      { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "4" },
      /SLURM_ARRAY_TASK_ID="x" is not an integer/,
    ],
    [undefined, {
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_ARRAY_TASK_COUNT: "4",
      SLURM_ARRAY_TASK_STEP: "2",
    }, /STEP=2.*--shard/],
    [undefined, { JOB_COMPLETION_INDEX: "0" }, /SLAK_SHARD_COUNT is not/],
    [
      undefined,
      { JOB_COMPLETION_INDEX: "4", SLAK_SHARD_COUNT: "4" },
      /JOB_COMPLETION_INDEX=4 must be in 0\.\.3/,
    ],
    [undefined, { SLAK_SHARD_COUNT: "4" }, /JOB_COMPLETION_INDEX is not/],
    [undefined, { CI_NODE_INDEX: "0", CI_NODE_TOTAL: "2" }, /CI_NODE_INDEX=0 must be in 1\.\.2/],
    [undefined, { CI_NODE_TOTAL: "2" }, /CI_NODE_INDEX is not/],
    [
      undefined,
      { AWS_BATCH_JOB_ARRAY_INDEX: "-1", AWS_BATCH_JOB_ARRAY_SIZE: "2" },
      /AWS_BATCH_JOB_ARRAY_INDEX=-1/,
    ],
    [
      undefined,
      { AWS_BATCH_JOB_ARRAY_INDEX: "0", AWS_BATCH_JOB_ARRAY_SIZE: "0" },
      /AWS_BATCH_JOB_ARRAY_SIZE=0 must be >= 1/,
    ],
    [
      undefined,
      { CLOUD_RUN_TASK_INDEX: "1.5", CLOUD_RUN_TASK_COUNT: "2" },
      /CLOUD_RUN_TASK_INDEX="1\.5" is not an integer/,
    ],
    [undefined, { CLOUD_RUN_TASK_COUNT: "2" }, /CLOUD_RUN_TASK_INDEX is not/],
  ];
  for (const [flag, vars, re] of bad) {
    assert.throws(
      () => detectShard(flag, env(vars)),
      (e) => e instanceof UserError && re.test(e.message),
      `${flag} ${JSON.stringify(vars)}`,
    );
  }
  assert.deepEqual(parseShardText(" 2 / 7 ", "x"), { index: 2, count: 7 });
});
