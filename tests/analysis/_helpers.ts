/** Helpers of the analysis tests: models with non-trivial weights and an error metric. */
import type { ModelConfig } from "../../lib/config/model_config.ts";
import { buildModel, type Model, resolveModelConfig } from "../../lib/models/mod.ts";
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/util/rng.ts";

/** max |a - b| / max |b|. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

/** A small config: 1-1-2-1 blocks, dims 8-16-24-32, 64 px friendly kernels. */
export function tinyConfig(sets: string[] = []): ModelConfig {
  return resolveModelConfig("slak_nano", {
    sets: ["depths=[1,1,2,1]", "dims=[8,16,24,32]", "kernelSizes=[13,11,7,5]", ...sets],
  });
}

/**
 * Builds a model with non-trivial BN statistics, large layer scale (so blocks matter) and 40 %
 * exact zeros in the depthwise kernels.
 */
export function nonTrivialModel(config: ModelConfig, seed = 1): Model {
  const m = buildModel(config, { seed });
  const rng = Rng.stream(seed, "test");
  const draw = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
  for (const [k, v] of [...m.params, ...m.buffers]) {
    let data: Float32Array | null = null;
    if (/bn\.(weight|bias|running_mean)$/.test(k)) data = draw(v.size, () => rng.uniform() * 2 - 1);
    else if (/running_var$/.test(k)) data = draw(v.size, () => 0.2 + rng.uniform() * 2);
    else if (/gamma$/.test(k)) data = draw(v.size, () => 0.5 + rng.uniform());
    else if (/(conv|dwconv)\.weight$|dwconv\.weight$/.test(k) || /\.dwconv\.bias$/.test(k)) {
      const cur = v.dataSync() as Float32Array;
      data = cur.map((x) => (rng.uniform() < 0.4 ? 0 : x * 10 + (k.endsWith("bias") ? 0.1 : 0)));
    }
    if (data) v.assign(tf.tensor(data, v.shape));
  }
  return m;
}
