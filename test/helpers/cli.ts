import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root, where `cli/main.ts` lives. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a child process (`node --import tsx cli/main.ts ...args`) in the repository root.
 * `env` is added to a copy of this process's environment, with `AUTH0_*` removed so a developer's own tenant
 * is never reached by a test.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  for (const name of ["AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"]) delete base[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...base, NODE_NO_WARNINGS: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
