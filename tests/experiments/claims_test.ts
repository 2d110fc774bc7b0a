// Claims: the verdict rule, the spec checks, pairing by seed, and the claims table.
import assert from "node:assert/strict";
import {
  buildRows,
  type ClaimResult,
  expandPlan,
  judgeClaims,
  parseSpec,
  type Plan,
  renderClaimsCsv,
  renderClaimsMarkdown,
  renderMarkdown,
  type RunRecord,
  verdictOf,
} from "../../lib/experiments/mod.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { trainResolver } from "./_helpers.ts";

Deno.test("verdictOf() reads only the interval: expected side, other side, or across", () => {
  const gt = { expect: "a > b" } as const;
  assert.equal(verdictOf(gt, { lo: 0.1, hi: 2 }), "reproduced");
  assert.equal(verdictOf(gt, { lo: -2, hi: -0.1 }), "contradicted");
  assert.equal(verdictOf(gt, { lo: -0.1, hi: 2 }), "inconclusive");
  assert.equal(verdictOf(gt, null), "inconclusive", "no interval (n < 2)");
  const lt = { expect: "a < b" } as const;
  assert.equal(verdictOf(lt, { lo: -2, hi: -0.1 }), "reproduced");
  assert.equal(verdictOf(lt, { lo: 0.1, hi: 2 }), "contradicted");
  const ge = { expect: "a >= b", margin: 1 } as const;
  assert.equal(verdictOf(ge, { lo: -0.5, hi: 3 }), "reproduced", "within the margin");
  assert.equal(verdictOf(ge, { lo: -3, hi: -1.5 }), "contradicted");
  assert.equal(verdictOf(ge, { lo: -3, hi: 0.5 }), "inconclusive");
  const eq = { expect: "a ≈ b", margin: 1 } as const;
  assert.equal(verdictOf(eq, { lo: -0.5, hi: 0.8 }), "reproduced");
  assert.equal(verdictOf(eq, { lo: 1.2, hi: 3 }), "contradicted");
  assert.equal(verdictOf(eq, { lo: -0.5, hi: 1.5 }), "inconclusive");
});

const SPEC = {
  name: "claims-test",
  title: "Claims test",
  axes: [
    {
      name: "dataset",
      levels: [{ label: "p" }, { label: "q", set: { "data.difficulty": "hard" } }],
    },
    {
      name: "kernel",
      levels: [
        {
          label: 3,
          set: { "model.overrides.kernelSizes": [3, 3, 3, 3], "model.overrides.sparsity": 0 },
        },
        {
          label: 7,
          set: { "model.overrides.kernelSizes": [7, 7, 3, 3], "model.overrides.sparsity": 0.4 },
        },
      ],
    },
  ],
  claims: [
    {
      id: "big-wins",
      text: "Larger kernels are more accurate.",
      compare: { a: { kernel: 7 }, b: { kernel: 3 } },
      expect: "a > b",
    },
    {
      id: "same",
      text: "Kernel size does not matter.",
      compare: { a: { kernel: 7 }, b: { kernel: 3 } },
      expect: "a ≈ b",
      margin: 0.5,
    },
  ],
  scales: {
    smoke: {
      seeds: 4,
      base: {
        model: { name: "slak_nano", overrides: { depths: [1, 1, 1, 1], dims: [8, 8, 8, 8] } },
        data: { kind: "pathfinder", size: 32, trainSize: 16, testSize: 16, seed: 0 },
      },
    },
  },
};

function planOf(spec: unknown): Plan {
  return expandPlan(parseSpec(spec, "claims-test.yaml"), "smoke", { resolve: trainResolver });
}

/** Done records with top1 from `acc(labels, seed)`; `missing` runs (by name) not run. */
function records(
  plan: Plan,
  acc: (l: Record<string, string>, seed: number) => number,
  missing: string[] = [],
): RunRecord[] {
  return plan.runs.map((r) => {
    const base = { id: r.id, name: r.name, labels: r.labels, seed: r.seed, error: null };
    if (missing.includes(r.name)) return { ...base, status: "not run", result: null };
    const sparse = r.labels.kernel === "7";
    const densities = {
      overall: 0.6,
      stages: [0.2, 0.5, 0.7, 0.8, 1],
      groups: {
        largeKernel: [0.05, 0.45, 0.9, 1],
        mlp: [0.1, 0.5, 0.7, 0.8],
        stemDownsample: [1, 1, 1, 1],
        head: [null, null, null, null],
      },
    };
    return {
      ...base,
      status: "done",
      result: { top1: acc(r.labels, r.seed) / 100, ...(sparse ? { densities } : {}) },
    };
  });
}

Deno.test("judgeClaims() pairs runs by seed within each free combination", () => {
  const plan = planOf(SPEC);
  const spec = plan.definition;
  // Dataset p: kernel 7 wins by 1 + small seed noise on every seed (paired: reproduced even though
  // the seed-to-seed spread of each row is 10 pp). Dataset q: 7 loses by 2 ± 0.1.
  const acc = (l: Record<string, string>, s: number) =>
    50 + 10 * s + (l.kernel === "7" ? (l.dataset === "p" ? 1 + 0.1 * (s % 2) : -2 + 0.1 * s) : 0);
  const recs = records(plan, acc, ["q/3/s3"]);
  const claims = judgeClaims(spec, plan, recs, buildRows(spec, plan, recs));
  const big = claims.filter((c) => c.id === "big-wins");
  assert.deepEqual(big.map((c) => c.where), [{ dataset: "p" }, { dataset: "q" }]);
  const [p, q] = big;
  assert.deepEqual(p!.seeds, [0, 1, 2, 3]);
  assert.equal(p!.n, 4);
  assert.ok(Math.abs(p!.mean! - 1.05) < 1e-9, `mean ${p!.mean}`);
  assert.ok(p!.lo! > 0, "interval above 0");
  assert.equal(p!.verdict, "reproduced");
  assert.deepEqual(q!.seeds, [0, 1, 2], "q/3/s3 did not run: seed 3 has no pair");
  assert.equal(q!.verdict, "contradicted");
  const same = claims.filter((c) => c.id === "same");
  assert.equal(same[0]!.verdict, "contradicted", "1 pp apart is outside ± 0.5");
  assert.equal(same[0]!.expect, "|a − b| ≤ 0.5");
  // Unpaired means would say the same, but with one pair there is no interval at all.
  const one = records(plan, acc, ["p/7/s1", "p/7/s2", "p/7/s3"]);
  const c1 = judgeClaims(spec, plan, one, buildRows(spec, plan, one))[0]!;
  assert.equal(c1.n, 1);
  assert.equal(c1.lo, null);
  assert.equal(c1.verdict, "inconclusive");
  assert.match(c1.note ?? "", /n ≥ 2/);
  // A noisy difference whose interval crosses 0.
  const noisy = records(plan, (l, s) => 50 + (l.kernel === "7" ? [3, -2, 4, -3][s]! : 0));
  const cn = judgeClaims(spec, plan, noisy, buildRows(spec, plan, noisy))[0]!;
  assert.ok(cn.lo! < 0 && cn.hi! > 0);
  assert.equal(cn.verdict, "inconclusive");
});

Deno.test("the Markdown and CSV tables carry densities, n, ± sd and the claims' verdicts", () => {
  const plan = planOf(SPEC);
  const spec = plan.definition;
  const recs = records(plan, (l, s) => 50 + s + (l.kernel === "7" ? 2 : 0));
  const rows = buildRows(spec, plan, recs);
  const sparse = rows.find((r) => r.labels.kernel === "7")!;
  assert.ok(sparse.sparse);
  assert.deepEqual(sparse.density?.largeKernel, [0.05, 0.45, 0.9, 1]);
  assert.equal(sparse.density?.n, 4);
  const claims = judgeClaims(spec, plan, recs, rows);
  const md = renderMarkdown(spec, plan, rows, recs, claims);
  assert.match(md, /\| LK dens % s1\/s2\/s3\/s4 \| dens % \|/);
  assert.match(md, /\| p \| 7 \| [^|]+ \| 4\/4 \| 53\.50 ± 1\.29 \| 5\.0\/45\/90\/100 \| 60 \|/);
  assert.match(md, /\| p \| 3 \| [^|]+ \| 4\/4 \| 51\.50 ± 1\.29 \| dense \| 100 \|/);
  assert.match(md, /## Claims/);
  assert.match(
    md,
    /\| big-wins \| dataset=p \| kernel=7 \| kernel=3 \| a > b \| 4 \| \+2\.00 ± 0\.00 \| \[\+2\.00, \+2\.00\] \| reproduced \|/,
  );
  assert.match(md, /- `big-wins`: Larger kernels are more accurate\./);
  const csv = renderClaimsCsv(claims).trim().split("\n");
  assert.equal(csv.length, 1 + 4, "2 claims × 2 datasets");
  assert.match(csv[1]!, /^big-wins,dataset=p,kernel=7,kernel=3,a > b,top1,4,0 1 2 3,/);
  // Sparse rows whose runs predate density records say so instead of inventing 100 %.
  const old = recs.map((r) => ({ ...r, result: { top1: 0.5 } }));
  const oldMd = renderMarkdown(spec, plan, buildRows(spec, plan, old), old);
  assert.match(oldMd, /\| p \| 7 \| [^|]+ \| 4\/4 \| [^|]+ \| n\/r \| n\/r \|/);
  assert.doesNotMatch(oldMd, /## Claims/, "no claims passed, no section");
});

Deno.test("claims are checked against the axes and never change run ids or the plan hash", () => {
  const bad = (claim: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => parseSpec({ ...SPEC, claims: [claim] }, "x.yaml"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match((e as Error).message, re);
      return true;
    });
  const ok = SPEC.claims[0]!;
  bad({ ...ok, compare: { a: { kernel: 9 }, b: { kernel: 3 } } }, /no level "9"/);
  bad({ ...ok, compare: { a: { width: 1 }, b: { width: 2 } } }, /unknown axis "width"/);
  bad({ ...ok, compare: { a: { kernel: 7, dataset: "p" }, b: { kernel: 3 } } }, /name the same/);
  bad({ ...ok, compare: { a: { kernel: 3 }, b: { kernel: 3 } } }, /same rows/);
  bad({ ...ok, expect: "a ≈ b" }, /margin/);
  bad({ ...ok, expect: "a >> b" }, /expect/);
  bad({ ...ok, metric: "macs" }, /not measured by this spec/);
  assert.throws(
    () => parseSpec({ ...SPEC, claims: [ok, ok] }, "x.yaml"),
    /claim "big-wins" twice/,
  );
  const without = planOf({ ...SPEC, claims: [] });
  const withClaims = planOf(SPEC);
  assert.deepEqual(withClaims.runs.map((r) => r.id), without.runs.map((r) => r.id));
  assert.equal(withClaims.specHash, without.specHash);
});

Deno.test("renderClaimsMarkdown counts claims without data apart from inconclusive intervals", () => {
  const base: ClaimResult = {
    id: "c",
    text: "a beats b",
    expect: "a > b",
    metric: "top1",
    a: { kernel: "51" },
    b: { kernel: "7" },
    where: {},
    seeds: [0, 1, 2],
    diffs: [1, -1, 0.5],
    n: 3,
    mean: 0.17,
    sd: 1,
    lo: -2.3,
    hi: 2.6,
    exact: false,
    verdict: "inconclusive",
    note: null,
  };
  const none: ClaimResult = {
    ...base,
    id: "d",
    seeds: [],
    diffs: [],
    n: 0,
    mean: null,
    sd: null,
    lo: null,
    hi: null,
    note: "rows not planned at this scale",
  };
  const md = renderClaimsMarkdown([base, none, { ...base, id: "e", verdict: "reproduced" }]);
  assert.match(
    md,
    /Verdicts: 1 reproduced, 0 contradicted, 1 inconclusive, 1 without data \(not planned/,
  );
  assert.match(
    renderClaimsMarkdown([base]),
    /Verdicts: 0 reproduced, 0 contradicted, 1 inconclusive\./,
  );
});
