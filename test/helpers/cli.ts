import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

/** The repository root, where `cli/main.ts` lives. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
/** What `npm start` runs. */
const START = fileURLToPath(new URL("../../cli/start.ts", import.meta.url));
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
  child: ChildProcessByStdio<Writable | null, Readable, Readable>;
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
  /**
   * Run `cli/start.ts` as `npm start` does: in the repository, with npm's INIT_CWD set to this directory (where
   * the user typed the command). @default undefined: `cli/main.ts`, the `factor-sync` binary, in `cwd`
   */
  npmStartFrom?: string;
  /**
   * Give the CLI a terminal (a pseudo-terminal from util-linux `script`) and type this into it, so that it asks
   * what it asks a person. @default undefined: stdin is not a terminal
   */
  terminalInput?: string;
}

/**
 * Starts the CLI as a child process (`node --import tsx cli/main.ts ...args`). A developer's own tenant
 * (`AUTH0_*` in the environment) is never reached by a test.
 */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const base = { ...process.env };
  for (const name of ["AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "INIT_CWD"])
    delete base[name];
  const entry = options.npmStartFrom === undefined ? MAIN : START;
  const env = {
    ...base,
    NODE_NO_WARNINGS: "1",
    ...(options.npmStartFrom === undefined ? {} : { INIT_CWD: options.npmStartFrom }),
    ...options.env,
  };
  const cwd = options.npmStartFrom === undefined ? (options.cwd ?? REPO_ROOT) : REPO_ROOT;
  const command = [process.execPath, "--import", TSX, entry, ...args];
  const child =
    options.terminalInput === undefined
      ? spawn(command[0] as string, command.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      : // script(1) runs the command on a pseudo-terminal (stdin, stdout and stderr all a TTY) and relays ours.
        spawn(
          "script",
          ["--quiet", "--return", "--command", command.map(shellQuote).join(" "), "/dev/null"],
          {
            cwd,
            env,
            stdio: ["pipe", "pipe", "pipe"],
          },
        );
  if (options.terminalInput !== undefined) child.stdin?.end(options.terminalInput);
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

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The AUTH0_* variables that point `run` at a simulator as if it were a real tenant. */
export function tenantEnvOf(simulator: {
  url: string;
  clientId: string;
  clientSecret: string;
}): Record<string, string> {
  return {
    AUTH0_DOMAIN: simulator.url,
    AUTH0_CLIENT_ID: simulator.clientId,
    AUTH0_CLIENT_SECRET: simulator.clientSecret,
  };
}

/** Writes `variables` as a `.env` file in `dir` (made if needed). */
export async function writeDotEnv(dir: string, variables: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, ".env"),
    Object.entries(variables)
      .map(([name, value]) => `${name}=${value}`)
      .join("\n"),
  );
}

/** Runs the CLI to its end. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return startCli(args, { env, cwd }).result;
}
