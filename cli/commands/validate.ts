import { Command } from "commander";

/** `validate`: not built yet. */
export function validateCommand(): Command {
  return new Command("validate").description("not built yet").action(() => {
    process.stderr.write("validate is not built yet\n");
    process.exitCode = 2;
  });
}
