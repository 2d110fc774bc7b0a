/**
 * `slak count MODEL`: parameters and MACs per stage, dense and at the configured sparsity.
 *
 * @module
 */
import { Command } from "commander";
import { countModel } from "../lib/models/count.ts";
import { resolveModelConfigWithFile } from "../lib/models/resolve.ts";
import { UserError } from "../lib/util/errors.ts";
import { collect, commas, out, textTable } from "./_common.ts";

function g(n: number): string {
  return (n / 1e9).toFixed(3);
}

/** The `count` subcommand. */
export function countCommand() {
  return new Command("count")
    .description("count parameters and MACs (dense and sparse) per stage")
    .argument("<model>", "registered model name (see `slak models`)")
    .option("--config <file>", "YAML/JSON file of model fields over the registry defaults")
    .option("--set <path=value>", "override a model field (repeatable)", collect, [] as string[])
    .option("--input-size <n>", "input height = width in pixels", "224")
    .option("--json", "print JSON")
    .action(async (model, opts) => {
      const size = Number(opts.inputSize);
      if (!Number.isInteger(size) || size < 32) {
        throw new UserError(`--input-size must be an integer >= 32, got "${opts.inputSize}"`);
      }
      const config = await resolveModelConfigWithFile(model, {
        configFile: opts.config,
        sets: opts.set,
      });
      const c = countModel(config, [size, size]);
      if (opts.json) {
        out(JSON.stringify({ model, config, ...c, inputSize: size }, null, 2));
        return;
      }
      const rows = [["stage", "map", "params", "nonzero", "GMACs", "sparse GMACs"]];
      for (const s of c.stages) {
        rows.push([
          s.stage,
          `${s.map[0]}x${s.map[1]}`,
          commas(s.params.dense),
          commas(s.params.nonzero),
          g(s.macs.dense),
          g(s.macs.sparse),
        ]);
      }
      rows.push([
        "total",
        `${size}x${size}`,
        commas(c.params.dense),
        commas(c.params.nonzero),
        g(c.macs.dense),
        g(c.macs.sparse),
      ]);
      out(`${model} @ ${size}px, sparsity ${config.sparsity} (uniform over maskable weights)\n`);
      out(textTable(rows));
    });
}
