// Student-t quantiles against published table values, and the t interval by hand.
import assert from "node:assert/strict";
import {
  incompleteBeta,
  lnGamma,
  mean,
  sampleSd,
  studentTCdf,
  studentTQuantile,
  tInterval,
} from "../../lib/experiments/stats.ts";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("studentTQuantile() matches the t table", () => {
  // Two-sided 95 % critical values (p = 0.975) and one-sided 95 % (p = 0.95), 4 decimals.
  const table: [number, number, number][] = [
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 3, 3.1824],
    [0.975, 4, 2.7764],
    [0.975, 9, 2.2622],
    [0.975, 30, 2.0423],
    [0.95, 10, 1.8125],
    [0.995, 5, 4.0321],
    [0.975, 1e6, 1.96],
  ];
  for (const [p, df, t] of table) close(studentTQuantile(p, df), t, 1e-4, `t(${p}, ${df})`);
  close(studentTQuantile(0.025, 4), -2.7764, 1e-4, "lower tail is symmetric");
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.throws(() => studentTQuantile(1, 3), RangeError);
  assert.throws(() => studentTQuantile(0.9, 0), RangeError);
});

Deno.test("studentTCdf(), incompleteBeta() and lnGamma() agree with closed forms", () => {
  // t with 1 df is Cauchy: P(T ≤ t) = 1/2 + atan(t)/π; with 2 df: 1/2 + t / (2 √(2 + t²)).
  for (const t of [-3, -0.5, 0, 0.7, 2, 10]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `cauchy ${t}`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `t2 ${t}`);
  }
  close(incompleteBeta(0.3, 1, 1), 0.3, 1e-14, "I_x(1,1) = x");
  close(incompleteBeta(0.3, 2, 3), 0.3483, 1e-12, "I_0.3(2,3)"); // binomial tail P(Bin(4, x) ≥ 2)
  close(lnGamma(5), Math.log(24), 1e-12, "lnΓ(5)");
  close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-12, "lnΓ(1/2)");
});

Deno.test("tInterval() is mean ± t·sd/√n, null below two values", () => {
  const xs = [1, 2, 3, 4, 5];
  assert.equal(mean(xs), 3);
  close(sampleSd(xs)!, Math.sqrt(2.5), 1e-12, "sd");
  const ci = tInterval(xs)!;
  const half = 2.7764451052 * Math.sqrt(2.5) / Math.sqrt(5);
  close(ci.lo, 3 - half, 1e-8, "lo");
  close(ci.hi, 3 + half, 1e-8, "hi");
  assert.equal(ci.n, 5);
  assert.equal(tInterval([4]), null);
  assert.equal(sampleSd([4]), null);
  const wide = tInterval(xs, 0.99)!;
  assert.ok(wide.hi - wide.lo > ci.hi - ci.lo, "99 % interval is wider");
});
