/** The exit-code paragraph every command's help ends with (the rule of {@link EXIT}). */
export const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    some users were rejected or failed (see the reports)
  2    usage, file or target error (bad option or file, tenant refused)
  130  interrupted (Ctrl-C)`;

/**
 * The help text shown after a command's options: its examples (each within 80 columns, a note on its own line
 * when it does not fit beside), then the exit codes.
 *
 * @example
 * command.addHelpText("after", examplesHelp(["factor-sync validate users.csv"]));
 */
export function examplesHelp(examples: readonly string[]): string {
  const lines = examples.flatMap((example) => {
    const line = `  $ ${example}`;
    const note = line.indexOf("  # ");
    if (line.length <= 80 || note === -1) return [line];
    return [`  ${line.slice(note + 2).trim()}`, line.slice(0, note).trimEnd()];
  });
  return `\nExamples:\n${lines.join("\n")}\n${EXIT_CODES_HELP}`;
}
