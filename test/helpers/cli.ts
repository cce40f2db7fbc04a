import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

/** The repository root, where `cli/main.ts` lives. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
// Resolved here so the CLI can run in any working directory (a temporary one keeps a developer's .env out).
const TSX = import.meta.resolve("tsx");

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI child process still running. */
export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once `text` has appeared on the stream. */
  waitFor(stream: "stdout" | "stderr", text: string): Promise<void>;
  result: Promise<CliResult>;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Added to a copy of this process's environment, from which `AUTH0_*` is removed. */
  env?: Record<string, string>;
  /** @default REPO_ROOT */
  cwd?: string;
}

/**
 * Starts the CLI as a child process (`node --import tsx cli/main.ts ...args`). A developer's own tenant
 * (`AUTH0_*` in the environment) is never reached by a test.
 */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const base = { ...process.env };
  for (const name of ["AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"]) delete base[name];
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...base, NODE_NO_WARNINGS: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  const waiters: { stream: "stdout" | "stderr"; text: string; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (output[waiter.stream].includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].on("data", (chunk: Buffer) => {
      output[stream] += chunk.toString("utf8");
      check();
    });
  }
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...output }));
  });
  return {
    child,
    result,
    waitFor: (stream, text) =>
      new Promise<void>((resolve) => {
        waiters.push({ stream, text, resolve });
        check();
      }),
  };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return startCli(args, { env, cwd }).result;
}
