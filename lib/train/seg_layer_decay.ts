/**
 * Layer-wise learning-rate decay of a segmentation backbone, following the rules of the official
 * SLaK segmentation optimizer constructor (mmseg's `LearningRateDecayOptimizerConstructor` with
 * its ConvNeXt/SLaK grouping). With G = numLayers + 2 groups, a parameter in group g trains at
 * lr · rate^(G − g − 1): the heads and anything outside the backbone's stem, downsampling and
 * stages (the output norms `norm0..3`) at the full lr, deeper-to-shallower backbone parts at
 * geometrically smaller ones. Weight decay is unaffected (AdamW's own rule: none on 1-D
 * parameters and biases, as the constructor's `no_decay` group).
 *
 * @module
 */
import type { LayerDecayConfig } from "./config_types.ts";

const DOWNSAMPLE = "backbone.downsample_layers.";
const STAGES = "backbone.stages.";

function indexAt(name: string, prefix: string, part: number): number {
  return Number(name.slice(prefix.length).split(".")[part]);
}

/**
 * The group of parameter `name` (mmseg key, backbone keys prefixed `backbone.`).
 * @example
 * ```ts
 * const c = { rate: 0.9, numLayers: 6, type: "stage_wise" } as const;
 * layerDecayGroup("backbone.stages.2.4.pwconv1.weight", c); // 3
 * layerDecayGroup("decode_head.conv_seg.weight", c); // 7
 * ```
 */
export function layerDecayGroup(name: string, c: LayerDecayConfig): number {
  const groups = c.numLayers + 2;
  if (c.type === "stage_wise") {
    if (name.startsWith(DOWNSAMPLE)) return 0;
    if (name.startsWith(STAGES)) return indexAt(name, STAGES, 0) + 1;
    return groups - 1;
  }
  if (name.startsWith(DOWNSAMPLE)) {
    const s = indexAt(name, DOWNSAMPLE, 0);
    return s === 0 ? 0 : s === 1 ? 2 : s === 2 ? 3 : c.numLayers;
  }
  if (name.startsWith(STAGES)) {
    const s = indexAt(name, STAGES, 0);
    const b = indexAt(name, STAGES, 1);
    return s === 0 ? 1 : s === 1 ? 2 : s === 2 ? 3 + Math.floor(b / 3) : c.numLayers;
  }
  return c.numLayers + 1;
}

/** The lr factor of every parameter name: rate^(numLayers + 2 − group − 1). */
export function layerDecayScales(
  names: Iterable<string>,
  c: LayerDecayConfig,
): Map<string, number> {
  const groups = c.numLayers + 2;
  const out = new Map<string, number>();
  for (const n of names) out.set(n, c.rate ** (groups - layerDecayGroup(n, c) - 1));
  return out;
}
