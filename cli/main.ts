import { runCli } from "./program.js";

// `factor-sync` (bin/factor-sync.js): a bare call prints help.
process.exitCode = await runCli(process.argv.slice(2));
