import { runCli } from "./program.js";

// `npm start [-- <command> ...]`: npm runs scripts in the repository; files, `.env` and reports are the user's,
// relative to where they typed the command (npm's INIT_CWD).
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const args = process.argv.slice(2);
// A bare `npm start` is the demo: the bundled sample on the bundled simulator, whatever AUTH0_* says.
process.exitCode = await runCli(args.length === 0 ? ["demo"] : args);
