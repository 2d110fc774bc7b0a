/**
 * `slak models`: the registry, one line per variant.
 *
 * @module
 */
import { Command } from "commander";
import { MODEL_VARIANTS } from "../lib/models/variants.ts";
import { out, textTable } from "./_common.ts";

/** The `models` subcommand. */
export function modelsCommand(): Command {
  return new Command("models")
    .description("list the registered models")
    .option("--json", "print JSON")
    .action((opts) => {
      if (opts.json) {
        const list = Object.entries(MODEL_VARIANTS).map(([name, v]) => ({ name, ...v }));
        out(JSON.stringify(list, null, 2));
        return;
      }
      const rows = [["model", "arch", "kernels", "N", "mode", "width", "sparsity", "description"]];
      for (const [name, v] of Object.entries(MODEL_VARIANTS)) {
        const c = v.config;
        rows.push([
          name,
          c.arch,
          c.kernelSizes.join("-"),
          c.smallKernel === null ? "-" : String(c.smallKernel),
          c.arch === "convnext" ? "dwconv" : c.lkMode,
          String(c.widthFactor),
          String(c.sparsity),
          v.description,
        ]);
      }
      out(textTable(rows));
    });
}
