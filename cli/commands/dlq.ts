import { Command } from "commander";

/** `dlq-export`: not built yet. */
export function dlqExportCommand(): Command {
  return new Command("dlq-export").description("not built yet").action(() => {
    process.stderr.write("dlq-export is not built yet\n");
    process.exitCode = 2;
  });
}

/** `dlq-redrive`: not built yet. */
export function dlqRedriveCommand(): Command {
  return new Command("dlq-redrive").description("not built yet").action(() => {
    process.stderr.write("dlq-redrive is not built yet\n");
    process.exitCode = 2;
  });
}
