import { Command } from "commander";

/** `auth0-sim`: not built yet. */
export function auth0SimCommand(): Command {
  return new Command("auth0-sim").description("not built yet").action(() => {
    process.stderr.write("auth0-sim is not built yet\n");
    process.exitCode = 2;
  });
}
