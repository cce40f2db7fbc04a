import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";

const CLI = ["--import", "tsx", "cli/main.ts", "auth0-sim"];

function run(args: string[]): { child: ChildProcess; output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: process.cwd(), stdio: "pipe" });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  return { child, output };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

describe("auth0-sim command", () => {
  it.each([
    [["--rps", "fast"], "error: option '--rps <n>' argument 'fast' is invalid. not a number.\n"],
    [
      ["--error-rate", "2"],
      "error: invalid simulator option faults.errorRate: must be between 0 and 1, got 2\n",
    ],
    [["--burst", "0"], "error: invalid simulator option burst: must be an integer ≥ 1, got 0\n"],
  ])("exits 2 with one line on stderr, and where to find the usage, for %j", async (args, message) => {
    const { child, output } = run(args);
    expect(await exitCode(child)).toBe(2);
    expect(output.stderr).toBe(`${message}(run 'factor-sync auth0-sim --help' for usage)\n`);
  });

  it("prints its url and credentials, serves the API and stops cleanly on SIGINT", async () => {
    const { child, output } = run(["--rps", "5", "--burst", "3"]);
    try {
      while (!/client secret .*\n/.test(output.stdout)) {
        if (child.exitCode !== null) throw new Error(`exited early: ${output.stderr}`);
        await once(child.stdout as NodeJS.ReadableStream, "data");
      }
      const field = (name: string) => new RegExp(`${name}\\s+(\\S+)`).exec(output.stdout)?.[1] ?? "";
      const url = field("url");
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(field("domain")).toBe(url.replace("http://", ""));
      const token = await fetch(`${url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: field("client id"),
          client_secret: field("client secret"),
          audience: `https://${field("domain")}/api/v2/`,
        }).toString(),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const put = await fetch(`${url}/api/v2/users/auth0%7C1/authentication-methods`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
        body: JSON.stringify([{ type: "totp", totp_secret: "JBSWY3DP" }]),
      });
      expect(put.status).toBe(200);
      expect(put.headers.get("x-ratelimit-limit")).toBe("3");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exitCode(child)).toBe(0);
    expect(output.stdout).toContain(
      "stopped: 2 requests, 1 PUTs, 1 PUTs applied, 0 answered 429, 1 tokens issued\n",
    );
  });

  it("fails every call in the outage the flags schedule and serves the control route", async () => {
    const { child, output } = run([
      "--outage-after",
      "0",
      "--outage-for",
      "600",
      "--outage-from",
      "start",
      "--outage-status",
      "502",
    ]);
    try {
      while (!/outage .*\n/.test(output.stdout)) {
        if (child.exitCode !== null) throw new Error(`exited early: ${output.stderr}`);
        await once(child.stdout as NodeJS.ReadableStream, "data");
      }
      expect(output.stdout).toContain(
        "  outage         0 s after the start, for 600 s: every call answers 502\n",
      );
      const url = /url\s+(\S+)/.exec(output.stdout)?.[1] ?? "";
      const token = await fetch(`${url}/oauth/token`, { method: "POST" });
      expect(token.status).toBe(502);
      const ended = await fetch(`${url}/_simulator/control`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ outage: null }),
      });
      expect(await ended.json()).toEqual({});
      expect((await fetch(`${url}/oauth/token`, { method: "POST" })).status).toBe(400);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exitCode(child)).toBe(0);
  });
});
