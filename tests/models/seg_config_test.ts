// The segmentation model config and parameter list: the paper's heads on SLaK-T give the official
// config's channel widths and mmseg's key names; bad configs and labels are one-line user errors.
import assert from "node:assert/strict";
import { resolveModelConfig } from "../../lib/models/mod.ts";
import {
  checkSegLabels,
  paperSegHeads,
  segParamSpecs,
  validateSegConfig,
} from "../../lib/models/segmentation/mod.ts";
import { ConfigError, DataError } from "../../lib/util/errors.ts";

function paper(numClasses = 150) {
  return validateSegConfig(
    { backbone: resolveModelConfig("slak_tiny"), ...paperSegHeads(numClasses) },
    "test",
  );
}

Deno.test("seg config: SLaK-T UperNet has the official widths and mmseg key names", () => {
  const specs = new Map(segParamSpecs(paper()).map((s) => [s.name, s.torchShape]));
  // official upernet_SLaK.py: in_channels [124, 249, 499, 998], channels 512, aux 256 on 499
  assert.deepEqual(specs.get("backbone.norm0.weight"), [124]);
  assert.deepEqual(specs.get("backbone.norm3.bias"), [998]);
  assert.deepEqual(specs.get("decode_head.lateral_convs.2.conv.weight"), [512, 499, 1, 1]);
  assert.deepEqual(specs.get("decode_head.psp_modules.3.1.conv.weight"), [512, 998, 1, 1]);
  assert.deepEqual(specs.get("decode_head.bottleneck.conv.weight"), [512, 998 + 4 * 512, 3, 3]);
  assert.deepEqual(specs.get("decode_head.fpn_convs.0.conv.weight"), [512, 512, 3, 3]);
  assert.deepEqual(specs.get("decode_head.fpn_bottleneck.conv.weight"), [512, 4 * 512, 3, 3]);
  assert.deepEqual(specs.get("decode_head.conv_seg.weight"), [150, 512, 1, 1]);
  assert.deepEqual(specs.get("auxiliary_head.convs.0.conv.weight"), [256, 499, 3, 3]);
  assert.deepEqual(specs.get("auxiliary_head.conv_seg.bias"), [150]);
  assert.ok(!specs.has("backbone.head.weight") && !specs.has("backbone.norm.weight"));
  assert.ok(!specs.has("decode_head.lateral_convs.3.conv.weight"));
  assert.ok(![...specs.keys()].some((k) => /conv\.bias$/.test(k)), "ConvModule convs have no bias");
});

Deno.test("seg config: bad fields are ConfigErrors naming the field", () => {
  const base = { backbone: resolveModelConfig("slak_tiny"), ...paperSegHeads(150) };
  assert.throws(
    () => validateSegConfig({ ...base, outIndices: [2, 1, 3] }, "seg.yaml"),
    (e) => e instanceof ConfigError && /seg\.yaml.*outIndices/.test(e.message),
  );
  assert.throws(
    () => validateSegConfig({ ...base, aux: { ...base.aux!, inIndex: 4 } }, "seg.yaml"),
    (e) => e instanceof ConfigError && /aux\.inIndex 4.*0\.\.3/.test(e.message),
  );
  assert.throws(
    () => validateSegConfig({ ...base, head: { ...base.head, dropout: 1 } }, "seg.yaml"),
    (e) => e instanceof ConfigError && /head\.dropout/.test(e.message),
  );
  assert.equal(validateSegConfig({ ...base, aux: null }, "x").aux, null);
});

Deno.test("seg labels: values outside 0..K-1 other than the ignore index are DataErrors", () => {
  checkSegLabels(Uint8Array.of(0, 4, 255), 5, 255, "a.png");
  assert.throws(
    () => checkSegLabels(Uint8Array.of(0, 5, 1), 5, 255, "b.png"),
    (e) => e instanceof DataError && /b\.png: label 5 at element 1.*0\.\.4 or 255/.test(e.message),
  );
});
