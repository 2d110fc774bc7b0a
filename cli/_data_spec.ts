/**
 * `--data SPEC` of the commands that read a data set (`slak eval`, `slak erf`): a YAML/JSON file
 * holding a data config (or a training config with a `data` section), inline YAML
 * (`'{kind: imagefolder, path: /data/imagenet}'`), or `key=value` pairs separated by commas
 * (`kind=imagefolder,path=/data/imagenet,size=224`; values parsed as YAML).
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { readConfigFile } from "../lib/config/layering.ts";
import { ConfigError } from "../lib/util/errors.ts";
import { isFile } from "../lib/util/stat.ts";

function pairs(spec: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) {
      throw new ConfigError(
        `--data ${spec}: "${part}" is not key=value (e.g. kind=imagefolder,path=/data/imagenet)`,
      );
    }
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    out[key] = value ?? null;
  }
  return out;
}

/**
 * The raw data config a `--data` SPEC names (validated later by `resolveDataConfig`).
 * @throws ConfigError when SPEC is neither a file, nor inline YAML, nor key=value pairs
 */
export async function dataConfigFromSpec(spec: string): Promise<unknown> {
  let value: unknown;
  if (await isFile(spec)) {
    value = await readConfigFile(spec);
  } else if (/^\s*[A-Za-z_]\w*=/.test(spec)) {
    value = pairs(spec);
  } else {
    try {
      value = parseYaml(spec);
    } catch (e) {
      throw new ConfigError(
        `--data ${spec}: neither a file nor inline YAML (${(e as Error).message.split("\n")[0]})`,
      );
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `--data ${spec}: expected a data config such as "kind=imagefolder,path=DIR", ` +
        `"{kind: pathfinder, size: 64}" or a YAML/JSON file`,
    );
  }
  const v = value as Record<string, unknown>;
  return "data" in v && !("kind" in v) ? v.data : v;
}
