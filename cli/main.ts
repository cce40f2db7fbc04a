import { Command, CommanderError } from "commander";
import { auth0SimCommand } from "./commands/auth0Sim.js";
import { dlqExportCommand, dlqRedriveCommand } from "./commands/dlq.js";
import { cancelCommand, jobsCommand, statusCommand } from "./commands/jobs.js";
import { runCommand } from "./commands/run.js";
import { validateCommand } from "./commands/validate.js";

const program = new Command("factor-sync")
  .description("Make users' MFA factors in Auth0 match a file, and account for every row.")
  .exitOverride()
  .addCommand(runCommand(), { isDefault: true })
  .addCommand(validateCommand())
  .addCommand(auth0SimCommand())
  .addCommand(dlqExportCommand())
  .addCommand(dlqRedriveCommand())
  .addCommand(jobsCommand())
  .addCommand(statusCommand())
  .addCommand(cancelCommand());

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not errors; a bad option or argument is a usage error: exit 2, as design.md says.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    throw error;
  }
}
