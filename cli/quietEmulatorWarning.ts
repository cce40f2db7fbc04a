/**
 * Hides Node's "SQLite is an experimental feature" warning, printed when fauxqs (the embedded S3/SQS emulator)
 * loads `node:sqlite`: it is noise for a user of `run`. Every other warning is printed as before.
 */
export function quietEmulatorWarning(): void {
  const printers = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "ExperimentalWarning" && /SQLite/i.test(warning.message)) return;
    for (const print of printers) print(warning);
  });
}
