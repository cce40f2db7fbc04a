import { createInterface } from "node:readline/promises";

/** Where a question is asked: a terminal's input, and the stream the question is written to. */
export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/**
 * Asks a yes/no question on a terminal; only `y` or `yes` (any case) is a yes, anything else (Enter, Ctrl-D)
 * a no.
 *
 * @example
 * if (!(await askYesNo("Write to tenant x? [y/N] "))) return;
 */
export async function askYesNo(
  question: string,
  terminal: Terminal = { input: process.stdin, output: process.stderr },
): Promise<boolean> {
  const readline = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      readline.once("close", () => resolve(""));
      void readline.question(question).then(resolve, () => resolve(""));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    readline.close();
  }
}
