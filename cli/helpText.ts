/** The exit-code paragraph every command's help ends with (the rule of {@link EXIT}). */
export const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    some users were rejected or failed (see the reports)
  2    usage, file or target error (bad option, unreadable or invalid file, tenant refused)
  130  interrupted (Ctrl-C)`;

/**
 * The help text shown after a command's options: its examples, then the exit codes.
 *
 * @example
 * command.addHelpText("after", examplesHelp(["factor-sync validate users.csv"]));
 */
export function examplesHelp(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((example) => `  $ ${example}`).join("\n")}\n${EXIT_CODES_HELP}`;
}
