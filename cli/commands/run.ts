import { Command } from "commander";

/** `run`: not built yet. */
export function runCommand(): Command {
  return new Command("run").description("not built yet").action(() => {
    process.stderr.write("run is not built yet\n");
    process.exitCode = 2;
  });
}
