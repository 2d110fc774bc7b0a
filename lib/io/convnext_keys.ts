/**
 * ConvNeXt checkpoints in other key layouts, renamed to the official one
 * (facebookresearch/ConvNeXt, which this toolkit's models and files use). Official ← timm:
 *
 *   downsample_layers.0.{0,1}     ← stem.{0,1}
 *   downsample_layers.N.{0,1}     ← stages.N.downsample.{0,1}
 *   stages.N.M.dwconv             ← stages.N.blocks.M.conv_dw
 *   stages.N.M.norm               ← stages.N.blocks.M.norm
 *   stages.N.M.pwconv1 / pwconv2  ← stages.N.blocks.M.mlp.fc1 / fc2
 *   stages.N.M.gamma              ← stages.N.blocks.M.gamma
 *   norm                          ← head.norm
 *   head                          ← head.fc
 *
 * Official ← Hugging Face transformers (`ConvNextForImageClassification`, prefix `convnext.`):
 *
 *   downsample_layers.0.0 / 0.1   ← embeddings.patch_embeddings / embeddings.layernorm
 *   downsample_layers.N.{0,1}     ← encoder.stages.N.downsampling_layer.{0,1}
 *   stages.N.M.dwconv             ← encoder.stages.N.layers.M.dwconv
 *   stages.N.M.norm               ← encoder.stages.N.layers.M.layernorm
 *   stages.N.M.pwconv1 / pwconv2  ← encoder.stages.N.layers.M.pwconv1 / pwconv2
 *   stages.N.M.gamma              ← encoder.stages.N.layers.M.layer_scale_parameter
 *   norm                          ← layernorm
 *   head                          ← classifier (no prefix)
 *
 * timm's `conv_mlp` variants store the MLP as 1×1 convolutions ([out, in, 1, 1]); those become the
 * official Linear shape [out, in]. Keys with no official counterpart (timm's `norm_pre`,
 * `head.pre_logits`, ConvNeXt-V2's `grn`) are kept as they are, so the strict key check names them.
 * Pure functions on key strings and tensor shapes; no tensor data is touched.
 *
 * @module
 */
import type { HostTensor } from "./host_tensor.ts";

/** The key layout of a ConvNeXt state_dict. */
export type ConvNeXtKeyLayout = "official" | "timm" | "transformers";

/**
 * The layout of `keys`: `timm` when it has timm's stem or block names, `transformers` when it has
 * the Hugging Face transformers embedding names, else `official`.
 */
export function detectConvNeXtLayout(keys: Iterable<string>): ConvNeXtKeyLayout {
  for (const k of keys) {
    if (/^stem\.[01]\.(weight|bias)$/.test(k) || /^stages\.\d+\.blocks\.\d+\./.test(k)) {
      return "timm";
    }
    if (/^(convnext\.)?embeddings\.patch_embeddings\./.test(k)) return "transformers";
  }
  return "official";
}

/** The official name of timm key `k` (unchanged when it has no official counterpart). */
export function timmToOfficialKey(k: string): string {
  let m: RegExpMatchArray | null;
  if ((m = k.match(/^stem\.([01])\.(.+)$/))) return `downsample_layers.0.${m[1]}.${m[2]}`;
  if ((m = k.match(/^stages\.(\d+)\.downsample\.([01])\.(.+)$/))) {
    return `downsample_layers.${m[1]}.${m[2]}.${m[3]}`;
  }
  if ((m = k.match(/^stages\.(\d+)\.blocks\.(\d+)\.(.+)$/))) {
    const part = m[3]!
      .replace(/^conv_dw\./, "dwconv.")
      .replace(/^mlp\.fc([12])\./, "pwconv$1.");
    return `stages.${m[1]}.${m[2]}.${part}`;
  }
  if ((m = k.match(/^head\.norm\.(.+)$/))) return `norm.${m[1]}`;
  if ((m = k.match(/^head\.fc\.(.+)$/))) return `head.${m[1]}`;
  return k;
}

/** The official name of HF transformers key `k` (unchanged when it has no counterpart). */
export function transformersToOfficialKey(k: string): string {
  const s = k.replace(/^convnext\./, "");
  let m: RegExpMatchArray | null;
  if ((m = s.match(/^embeddings\.patch_embeddings\.(.+)$/))) return `downsample_layers.0.0.${m[1]}`;
  if ((m = s.match(/^embeddings\.layernorm\.(.+)$/))) return `downsample_layers.0.1.${m[1]}`;
  if ((m = s.match(/^encoder\.stages\.(\d+)\.downsampling_layer\.([01])\.(.+)$/))) {
    return `downsample_layers.${m[1]}.${m[2]}.${m[3]}`;
  }
  if ((m = s.match(/^encoder\.stages\.(\d+)\.layers\.(\d+)\.(.+)$/))) {
    const part = m[3]!
      .replace(/^layernorm\./, "norm.")
      .replace(/^layer_scale_parameter$/, "gamma");
    return `stages.${m[1]}.${m[2]}.${part}`;
  }
  if ((m = s.match(/^layernorm\.(.+)$/))) return `norm.${m[1]}`;
  if ((m = s.match(/^classifier\.(.+)$/))) return `head.${m[1]}`;
  return k;
}

/** A 1×1 convolution weight [out, in, 1, 1] of a block MLP as the Linear weight [out, in]. */
function linearShape(key: string, t: HostTensor): HostTensor {
  const s = t.shape;
  if (!/\.pwconv[12]\.weight$/.test(key) || s.length !== 4 || s[2] !== 1 || s[3] !== 1) return t;
  return { ...t, shape: [s[0]!, s[1]!] };
}

/** The result of {@link toOfficialConvNeXtKeys}. */
export interface RemappedState {
  /** The state_dict with official keys (the input itself when it already had them). */
  state: Map<string, HostTensor>;
  /** The layout the keys were in. */
  layout: ConvNeXtKeyLayout;
}

/**
 * Renames a timm or HF transformers ConvNeXt state_dict to official keys (detected by
 * {@link detectConvNeXtLayout}); an official one is returned as it is. Tensor data is shared, not
 * copied.
 */
export function toOfficialConvNeXtKeys(state: Map<string, HostTensor>): RemappedState {
  const layout = detectConvNeXtLayout(state.keys());
  if (layout === "official") return { state, layout };
  const rename = layout === "timm" ? timmToOfficialKey : transformersToOfficialKey;
  const out = new Map<string, HostTensor>();
  for (const [k, t] of state) {
    const name = rename(k);
    out.set(name, linearShape(name, t));
  }
  return { state: out, layout };
}
