import assert from "node:assert/strict";
import { z } from "zod";
import {
  applyOverrides,
  applySet,
  fileOverride,
  layerLabel,
  type Override,
  overridesOf,
  parseSet,
  toOverrides,
  validate,
} from "../../lib/config/layering.ts";
import { fieldsAt } from "../../lib/config/issues.ts";
import { ConfigError } from "../../lib/util/errors.ts";

const base = () => ({
  a: 1,
  opt: { lr: 0.1, betas: [0.9, 0.99] },
  model: { name: "m", overrides: {} as Record<string, unknown> },
  data: { kind: "x", size: 32 } as Record<string, unknown>,
});
const OPEN = ["model.overrides", "data"];

function configError(re: RegExp) {
  return (e: unknown) => e instanceof ConfigError && re.test(e.message);
}

Deno.test("strict paths: unknown fields list the valid ones, indexes must be in range", () => {
  assert.throws(
    () => applySet(base(), parseSet("opt.lrr=1"), OPEN),
    configError(
      /^--set "opt\.lrr=1": unknown field "opt\.lrr"; valid fields of "opt": "lr" or "betas"$/,
    ),
  );
  assert.throws(
    () => applySet(base(), parseSet("b=1"), OPEN),
    configError(/unknown field "b"; valid fields: "a", "opt", "model" or "data"$/),
  );
  assert.throws(
    () => applySet(base(), parseSet("opt.betas.2=1")),
    configError(/index "2".*0\.\.1/),
  );
  assert.throws(() => applySet(base(), parseSet("a.b=1")), configError(/"a" has no fields/));
  // an open path elsewhere does not open its siblings or parents
  assert.throws(
    () => applySet(base(), parseSet("model.extra=1"), OPEN),
    /unknown field "model\.extra"/,
  );
  const b = base();
  assert.deepEqual(applySet(b, parseSet("opt.betas.1=0.5")).opt, { lr: 0.1, betas: [0.9, 0.5] });
  assert.deepEqual(b, base(), "the base is not modified");
});

Deno.test("a mapping for a strict section is merged key by key, strictly", () => {
  const c = applySet(base(), parseSet("opt={lr: 0.5}"));
  assert.deepEqual(c.opt, { lr: 0.5, betas: [0.9, 0.99] });
  assert.throws(
    () => applySet(base(), parseSet("opt={lr: 0.5, lrr: 1}")),
    configError(/unknown field "opt\.lrr"; valid fields of "opt": "lr" or "betas"/),
  );
  // inside a strict mapping, a key under an open path may be new
  const m = applySet(base(), parseSet("model={overrides: {k: 3}}"), OPEN);
  assert.deepEqual(m.model, { name: "m", overrides: { k: 3 } });
});

Deno.test("open paths: keys are created, mappings replace, null becomes a mapping", () => {
  const c = applyOverrides(base(), [
    "model.overrides.kernelSizes=[3,3,3,3]",
    "data.canvas.size=64",
  ], OPEN);
  assert.deepEqual((c.model as { overrides: unknown }).overrides, { kernelSizes: [3, 3, 3, 3] });
  assert.deepEqual(c.data, { kind: "x", size: 32, canvas: { size: 64 } });
  // a mapping given for an open section replaces it (a data set of another kind)
  const d = applySet(base(), parseSet("data={kind: y, path: /p}"), OPEN);
  assert.deepEqual(d.data, { kind: "y", path: "/p" });
  // the open node itself may be missing (a spec base without `overrides`)
  const noOv = { model: { name: "m" } };
  assert.deepEqual(applySet(noOv, parseSet("model.overrides.sparsity=0"), OPEN).model, {
    name: "m",
    overrides: { sparsity: 0 },
  });
  const nul = { data: { canvas: null } };
  assert.deepEqual(applySet(nul, parseSet("data.canvas.size=40"), OPEN).data, {
    canvas: { size: 40 },
  });
  assert.throws(
    () => applySet(base(), parseSet("data.size.x=1"), OPEN),
    /"data\.size" has no fields/,
  );
  // without the declaration the same override is strict
  assert.throws(
    () => applySet(base(), parseSet("data.canvas.size=64")),
    /unknown field "data\.canvas"/,
  );
});

Deno.test("file layers merge strictly and name the file; labels name --set and files", () => {
  const file = fileOverride({ opt: { lr: 2 } }, "f.yaml");
  assert.deepEqual(applySet(base(), file).opt, { lr: 2, betas: [0.9, 0.99] });
  assert.throws(
    () => applySet(base(), fileOverride({ widht: 2 }, "f.yaml")),
    configError(/^config f\.yaml: unknown field "widht"; valid fields: "a"/),
  );
  assert.throws(
    () => applySet(base(), { path: [], value: 3, source: "x" }),
    configError(/^x: must be a mapping/),
  );
  const patch: Override[] = overridesOf({ "opt.lr": 3, a: 2 }, "spec level");
  assert.deepEqual(patch.map((o) => o.path), [["opt", "lr"], ["a"]]);
  assert.equal(layerLabel("w", patch), "w");
  assert.equal(layerLabel("w", [...patch, ...toOverrides(["a=1", "a=2"])]), "w with --set");
  assert.equal(layerLabel("w", [file, parseSet("a=1")]), "w with f.yaml and --set");
  assert.throws(
    () => applyOverrides(base(), overridesOf({ "opt.lrr": 1 }, "spec: axis k level 3")),
    configError(/^spec: axis k level 3: unknown field "opt\.lrr"/),
  );
});

Deno.test("prototype names are not fields, even under open paths", () => {
  for (const text of ["data.__proto__.polluted=1", "constructor.x=1", "opt={__proto__: {x: 1}}"]) {
    assert.throws(() => applySet(base(), parseSet(text), OPEN), configError(/is not a field name/));
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // inherited names are not existing fields either
  assert.throws(() => applySet(base(), parseSet("toString=1")), /unknown field "toString"/);
});

const Inner = z.strictObject({ lr: z.number(), n: z.int().min(1) });
const Tagged = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("a"), size: z.literal([32, 64]), x: z.number().default(0) }),
  z.strictObject({ kind: z.literal("b"), path: z.string() }),
]);
const Schema = z.strictObject({ opt: Inner.default({ lr: 1, n: 1 }), data: Tagged });

Deno.test("validate() reports every issue in one line, with valid fields and values", () => {
  assert.throws(
    () =>
      validate(Schema, { opt: { lr: "x", n: 0 }, data: { kind: "a", size: 48, y: 1 } }, "f.yaml"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message.split("\n").length, 1);
      assert.match(e.message, /^f\.yaml: opt\.lr: .*; opt\.n: /);
      assert.match(e.message, /data\.size: must be 32 or 64/);
      assert.match(e.message, /data: unknown field "y"; valid fields: "kind", "size" or "x"/);
      return true;
    },
  );
  assert.throws(
    () => validate(Schema, { data: { kind: "c" } }, ""),
    configError(/^data\.kind: must be "a" or "b"$/),
  );
  assert.throws(
    () => validate(Tagged, { kind: "b", path: "/p", size: 1 }, "", ["data"]),
    configError(/^data: unknown field "size"; valid fields: "kind" or "path"$/),
  );
  assert.deepEqual(validate(Schema, { data: { kind: "b", path: "/p" } }, "w").opt, { lr: 1, n: 1 });
});

Deno.test("fieldsAt() follows objects, defaults and discriminated unions", () => {
  assert.deepEqual(fieldsAt(Schema, {}, ["opt"]), ["lr", "n"]);
  assert.deepEqual(fieldsAt(Schema, { data: { kind: "b" } }, ["data"]), ["kind", "path"]);
  assert.equal(fieldsAt(Schema, { data: { kind: "zzz" } }, ["data"]), null);
  assert.equal(fieldsAt(Schema, {}, ["opt", "lr"]), null);
});
