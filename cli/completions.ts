/**
 * `slak completions bash|zsh|fish`: a shell completion script generated from the commander program
 * itself (commands, visible options, option and argument choices), so that it never drifts from
 * the CLI. Hidden options (deprecated spellings, internal flags) are left out.
 *
 * @module
 */
import { Argument, Command, type CommandUnknownOpts } from "commander";
import { out } from "./_common.ts";

/** The shells `slak completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** A shell `slak completions` knows. */
export type Shell = typeof SHELLS[number];

/** One visible option of a command, as the completion scripts need it. */
export interface CompletionOption {
  /** `--batch-size`, or the short flag alone when an option has no long one. */
  long: string;
  /** `-h`, when the option has a short flag too. */
  short: string | null;
  /** The help text. */
  description: string;
  /** Whether a value must follow (`--out <dir>`); optional values (`--json [file]`) count as no. */
  takesValue: boolean;
  /** The values it accepts, when commander restricts them (`--backend cpu|webgpu|auto`). */
  choices: readonly string[];
}

/** One command of the program with its visible options and subcommands. */
export interface CompletionCommand {
  /** The names from the root down (`[]` for `slak`, `["bench", "infer"]`). */
  path: readonly string[];
  /** The help text. */
  description: string;
  /** Visible options, `-h, --help` included. */
  options: readonly CompletionOption[];
  /** The values of the first positional argument, when commander restricts them. */
  argumentChoices: readonly string[];
  /** Subcommands. */
  commands: readonly CompletionCommand[];
}

const HELP: CompletionOption = {
  long: "--help",
  short: "-h",
  description: "display help for command",
  takesValue: false,
  choices: [],
};

/** Reads the completion model of `cmd` (and its subcommands) from the commander definition. */
export function completionModel(
  cmd: CommandUnknownOpts,
  path: readonly string[] = [],
): CompletionCommand {
  const options: CompletionOption[] = cmd.options.filter((o) => !o.hidden).map((o) => ({
    long: o.long ?? o.short ?? o.flags,
    short: o.long !== undefined && o.short !== undefined ? o.short : null,
    description: o.description,
    takesValue: o.required,
    choices: o.argChoices ?? [],
  }));
  const first = cmd.registeredArguments[0];
  return {
    path,
    description: cmd.description(),
    options: [...options, HELP],
    argumentChoices: first?.argChoices ?? [],
    commands: cmd.commands.map((c) => completionModel(c, [...path, c.name()])),
  };
}

/** Every command of the model, the root first, parents before their subcommands. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.commands.flatMap(allCommands)];
}

/** `'it''s'`-safe single-quoted word for bash and zsh. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The word lists and lookups the bash and zsh scripts share (same syntax in both shells). */
function shFunctions(root: CompletionCommand): string {
  const all = allCommands(root);
  const key = (c: CompletionCommand) => shQuote(c.path.join(" "));
  const cases = (rows: string[]) => rows.map((r) => `    ${r}`).join("\n");
  const flags = (c: CompletionCommand) =>
    c.options.flatMap((o) => (o.short ? [o.short, o.long] : [o.long])).join(" ");
  const valueRows = all.flatMap((c) =>
    c.options.filter((o) => o.takesValue).flatMap((o) =>
      (o.short ? [o.short, o.long] : [o.long]).map((f) =>
        `${shQuote(`${c.path.join(" ")}|${f}`)}) printf '%s\\n' ${shQuote(o.choices.join(" "))} ;;`
      )
    )
  );
  return [
    "# the subcommands of a command path ('' = slak itself)",
    "_slak_commands() {",
    '  case "$1" in',
    cases(
      all.filter((c) => c.commands.length > 0).map((c) =>
        `${key(c)}) printf '%s\\n' ${shQuote(c.commands.map((s) => s.path.at(-1)!).join(" "))} ;;`
      ),
    ),
    "  esac",
    "}",
    "# the options of a command path",
    "_slak_options() {",
    '  case "$1" in',
    cases(all.map((c) => `${key(c)}) printf '%s\\n' ${shQuote(flags(c))} ;;`)),
    "  esac",
    "}",
    "# the choices of a positional argument",
    "_slak_args() {",
    '  case "$1" in',
    cases(
      all.filter((c) => c.argumentChoices.length > 0).map((c) =>
        `${key(c)}) printf '%s\\n' ${shQuote(c.argumentChoices.join(" "))} ;;`
      ),
    ),
    "  esac",
    "}",
    "# 'PATH|OPTION' takes a value: prints its choices ('' = a file name); fails for a flag",
    "_slak_value() {",
    '  case "$1|$2" in',
    cases([...valueRows, "*) return 1 ;;"]),
    "  esac",
    "}",
    "# the command path of the words before the cursor ($1 = first word index, $2 = cursor)",
    "_slak_path() {",
    '  local cmdpath="" word i skip=0',
    "  for ((i = $1; i < $2; i++)); do",
    '    word="${_slak_words[i]}"',
    "    if ((skip)); then skip=0; continue; fi",
    '    if [[ "$word" == -* ]]; then',
    '      _slak_value "$cmdpath" "$word" >/dev/null && skip=1',
    "      continue",
    "    fi",
    '    if [[ " $(_slak_commands "$cmdpath") " == *" $word "* ]]; then',
    '      cmdpath="${cmdpath:+$cmdpath }$word"',
    "    fi",
    "  done",
    '  printf "%s\\n" "$cmdpath"',
    "}",
  ].join("\n");
}

/** The bash completion script of the program (`source <(slak completions bash)`). */
export function bashCompletion(root: CompletionCommand): string {
  return [
    "# bash completion for slak, generated by `slak completions bash` from the CLI definition.",
    "# Load it with: source <(slak completions bash)",
    "# or save it as ~/.local/share/bash-completion/completions/slak",
    shFunctions(root),
    "_slak() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local -a _slak_words=("${COMP_WORDS[@]}")',
    "  local cmdpath values",
    '  cmdpath="$(_slak_path 1 "$COMP_CWORD")"',
    '  if [[ "$prev" == -* ]] && values="$(_slak_value "$cmdpath" "$prev")"; then',
    '    if [[ -n "$values" ]]; then',
    '      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")',
    "    else",
    '      mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
    "    fi",
    "    return 0",
    "  fi",
    '  if [[ "$cur" == -* ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "$(_slak_options "$cmdpath")" -- "$cur")',
    "    return 0",
    "  fi",
    '  values="$(_slak_commands "$cmdpath") $(_slak_args "$cmdpath")"',
    '  if [[ -n "${values// /}" ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")',
    "  else",
    '    mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
    "  fi",
    "}",
    "complete -o filenames -F _slak slak",
    "",
  ].join("\n");
}

/** The zsh completion script (`source <(slak completions zsh)`, or saved as `_slak` in $fpath). */
export function zshCompletion(root: CompletionCommand): string {
  return [
    "#compdef slak",
    "# zsh completion for slak, generated by `slak completions zsh` from the CLI definition.",
    "# Load it with: source <(slak completions zsh)   (after compinit)",
    "# or save it as _slak in a folder of $fpath",
    shFunctions(root),
    "_slak() {",
    '  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"',
    '  local -a _slak_words; _slak_words=("${words[@]}")',
    "  local cmdpath values",
    '  cmdpath="$(_slak_path 2 "$CURRENT")"',
    '  if [[ "$prev" == -* ]] && values="$(_slak_value "$cmdpath" "$prev")"; then',
    '    if [[ -n "$values" ]]; then compadd -- ${=values}; else _files; fi',
    "    return",
    "  fi",
    '  if [[ "$cur" == -* ]]; then',
    '    values="$(_slak_options "$cmdpath")"',
    "    compadd -- ${=values}",
    "    return",
    "  fi",
    '  values="$(_slak_commands "$cmdpath") $(_slak_args "$cmdpath")"',
    '  if [[ -n "${values// /}" ]]; then compadd -- ${=values}; else _files; fi',
    "}",
    'if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then',
    '  _slak "$@"',
    "else",
    "  compdef _slak slak",
    "fi",
    "",
  ].join("\n");
}

/** `'it\'s'`: a single-quoted fish word. */
function fishQuote(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** The fish completion script (`slak completions fish > ~/.config/fish/completions/slak.fish`). */
export function fishCompletion(root: CompletionCommand): string {
  const all = allCommands(root);
  const lines = [
    "# fish completion for slak, generated by `slak completions fish` from the CLI definition.",
    "# Save it as ~/.config/fish/completions/slak.fish",
    "",
    "# the command path of the words before the cursor ('' = slak itself)",
    "function __slak_path",
    "    set -l cmdpath ''",
    "    set -l skip 0",
    "    set -l tokens (commandline -opc)",
    "    set -e tokens[1]",
    "    for word in $tokens",
    "        if test $skip = 1",
    "            set skip 0",
    "            continue",
    "        end",
    '        switch "$cmdpath|$word"',
  ];
  for (const c of all) {
    if (c.commands.length === 0) continue;
    const words = c.commands.map((s) => fishQuote(`${c.path.join(" ")}|${s.path.at(-1)!}`));
    lines.push(`            case ${words.join(" ")}`);
    lines.push(`                set cmdpath (string trim -- "$cmdpath $word")`);
  }
  const valued = all.flatMap((c) =>
    c.options.filter((o) => o.takesValue).flatMap((o) =>
      (o.short ? [o.short, o.long] : [o.long]).map((f) => fishQuote(`${c.path.join(" ")}|${f}`))
    )
  );
  if (valued.length > 0) {
    lines.push(`            case ${valued.join(" ")}`);
    lines.push("                set skip 1");
  }
  lines.push(
    "        end",
    "    end",
    '    echo "$cmdpath"',
    "end",
    "",
    "# true when the command path is $argv[1]",
    "function __slak_at",
    "    set -l p (__slak_path)",
    '    test "$p" = "$argv[1]"',
    "end",
    "",
    "complete -c slak -f",
  );
  for (const c of all) {
    const at = `-n ${fishQuote(`__slak_at ${fishQuote(c.path.join(" "))}`)}`;
    for (const s of c.commands) {
      lines.push(
        `complete -c slak ${at} -a ${fishQuote(s.path.at(-1)!)} -d ${fishQuote(s.description)}`,
      );
    }
    if (c.argumentChoices.length > 0) {
      lines.push(`complete -c slak ${at} -a ${fishQuote(c.argumentChoices.join(" "))}`);
    }
    for (const o of c.options) {
      const names = [
        o.long.startsWith("--") ? `-l ${o.long.slice(2)}` : `-s ${o.long.slice(1)}`,
        ...(o.short ? [`-s ${o.short.slice(1)}`] : []),
      ];
      const value = !o.takesValue
        ? ""
        : o.choices.length > 0
        ? ` -x -a ${fishQuote(o.choices.join(" "))}`
        : " -r -F";
      lines.push(
        `complete -c slak ${at} ${names.join(" ")}${value} -d ${fishQuote(o.description)}`,
      );
    }
  }
  lines.push("");
  return lines.join("\n");
}

/** The completion script of `root` for `shell`. */
export function completionScript(root: CommandUnknownOpts, shell: Shell): string {
  const model = completionModel(root);
  if (shell === "bash") return bashCompletion(model);
  if (shell === "zsh") return zshCompletion(model);
  return fishCompletion(model);
}

/** The `completions` subcommand; `root` gives the whole program (this command included). */
export function completionsCommand(root: () => CommandUnknownOpts) {
  return new Command("completions")
    .description("print a shell completion script (bash, zsh or fish) for slak")
    .addArgument(new Argument("<shell>", SHELLS.join(" | ")).choices(SHELLS))
    .addHelpText(
      "after",
      "\nbash: source <(slak completions bash)\nzsh:  source <(slak completions zsh)" +
        "\nfish: slak completions fish > ~/.config/fish/completions/slak.fish",
    )
    .action((shell) => {
      out(completionScript(root(), shell).trimEnd());
    });
}
