/**
 * The `slak` command line. Each subcommand lives in its own file; this one wires them and turns
 * errors into one clear line on stderr and a non-zero exit code (`--debug` shows the stack): the
 * user's errors 64/65/78, the environment's (disk full, read-only, no permission) 73/74, bugs 1.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { EXIT, UserError } from "../lib/util/errors.ts";
import { describeFsError } from "../lib/util/fs.ts";
import { addDeprecatedAliases, applyThreads, red } from "./_common.ts";
import { ablateCommand } from "./ablate.ts";
import { benchCommand } from "./bench.ts";
import { completionsCommand } from "./completions.ts";
import { countCommand } from "./count.ts";
import { erfCommand } from "./erf.ts";
import { evalCommand } from "./eval.ts";
import { inferCommand } from "./infer.ts";
import { modelsCommand } from "./models.ts";
import { reparamCommand } from "./reparam.ts";
import { tableCommand } from "./table.ts";
import { trainCommand } from "./train.ts";

/** Version printed by `slak --version`. */
export const VERSION = "0.1.0";

/**
 * The whole `slak` program (commands, options, hidden deprecated spellings), unparsed: for `main`,
 * the shell completions and the tests that walk it.
 */
export function program(): Command {
  const p = new Command("slak")
    .description("SLaK: sparse large-kernel ConvNets on TensorFlow.js, with WebGPU kernels")
    .version(VERSION)
    .option("--debug", "show stack traces on errors")
    .enablePositionalOptions(false)
    .showHelpAfterError(false)
    .exitOverride()
    // compute commands take --threads (else SLAK_THREADS, else the cores): set it before they run
    .hook("preAction", (_root, action) => {
      if (!action.options.some((o) => o.long === "--threads")) return;
      const threads = action.opts()["threads"];
      applyThreads(typeof threads === "number" ? threads : undefined);
    });
  p.addCommand(modelsCommand());
  p.addCommand(countCommand());
  p.addCommand(inferCommand());
  p.addCommand(evalCommand());
  p.addCommand(benchCommand());
  p.addCommand(erfCommand());
  p.addCommand(reparamCommand());
  p.addCommand(ablateCommand());
  p.addCommand(tableCommand());
  p.addCommand(trainCommand());
  p.addCommand(completionsCommand(() => p));
  addDeprecatedAliases(p);
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach((sub) => override(sub as unknown as Command));
  };
  p.commands.forEach((c) => override(c as unknown as Command));
  return p;
}

/** Runs the CLI on `argv` (without the program name); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  try {
    await program().parseAsync(args, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.ok; // --help, --version
      return EXIT.usage; // commander already printed "error: ..."
    }
    // A full disk or a read-only folder met outside the atomic writers: one line all the same.
    const known = e instanceof UserError ? e : describeFsError(e);
    if (known !== null) {
      console.error(red(`slak: error: ${known.message}`));
      if (debug) console.error((e as Error).stack);
      return known.exitCode;
    }
    console.error(red(`slak: error: ${(e as Error)?.message ?? String(e)}`));
    if (debug) console.error((e as Error)?.stack);
    else console.error("(run with --debug for the stack trace)");
    return EXIT.failure;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
