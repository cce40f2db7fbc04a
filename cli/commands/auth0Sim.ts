import { Command, InvalidArgumentError, Option } from "commander";
import {
  type Auth0SimulatorOptions,
  CONTROL_PATH,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type IncidentSnapshot,
  type LatencyRange,
  type OutageMode,
  SIMULATOR_DEFAULTS,
  SimulatorOptionsError,
  startAuth0Simulator,
} from "../../lib/simulator/index.js";
import { EXIT } from "../exitCodes.js";
import { examplesHelp } from "../helpText.js";

interface Auth0SimOptions {
  host: string;
  port: number;
  rps: number;
  burst: number;
  liveTrafficRps: number;
  latency: LatencyRange;
  errorRate: number;
  errorStatus: number;
  resetRate: number;
  slowRate: number;
  slowMs: number;
  tokenLifetime: number;
  seed: number;
  clientId?: string;
  clientSecret?: string;
  outageAfter?: number;
  outageFor?: number;
  outageMode: OutageMode;
  outageStatus: number;
  outageFrom: "start" | "first-request";
  refuseTokens?: 401 | 403;
  scopes?: string[];
  control: boolean;
}

function outageModeOption(value: string): OutageMode {
  if (value === "error" || value === "reset" || value === "timeout") return value;
  throw new InvalidArgumentError("expected error, reset or timeout.");
}

function outageFromOption(value: string): "start" | "first-request" {
  if (value === "start" || value === "first-request") return value;
  throw new InvalidArgumentError("expected start or first-request.");
}

function refusalOption(value: string): 401 | 403 {
  if (value === "401") return 401;
  if (value === "403") return 403;
  throw new InvalidArgumentError("expected 401 or 403.");
}

function scopesOption(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "");
}

function numberOption(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number)) throw new InvalidArgumentError("not a number.");
  return number;
}

/** `20-80` (uniform between) or `50` (fixed), in milliseconds. */
function latencyOption(value: string): LatencyRange {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(value);
  if (match?.[1] === undefined) throw new InvalidArgumentError("expected MIN-MAX or MS, e.g. 20-80.");
  const min = Number(match[1]);
  return [min, match[2] === undefined ? min : Number(match[2])];
}

function simulatorOptions(options: Auth0SimOptions): Auth0SimulatorOptions {
  const clients =
    options.clientId !== undefined || options.clientSecret !== undefined || options.scopes !== undefined
      ? [
          {
            clientId: options.clientId ?? DEFAULT_CLIENT_ID,
            clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
            ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
          },
        ]
      : undefined;
  const outage =
    options.outageAfter !== undefined || options.outageFor !== undefined
      ? {
          afterMs: (options.outageAfter ?? 0) * 1000,
          ...(options.outageFor === undefined ? {} : { forMs: options.outageFor * 1000 }),
          mode: options.outageMode,
          status: options.outageStatus,
          from: options.outageFrom === "start" ? ("now" as const) : ("firstRequest" as const),
        }
      : undefined;
  return {
    host: options.host,
    port: options.port,
    rps: options.rps,
    burst: options.burst,
    liveTrafficRps: options.liveTrafficRps,
    latencyMs: options.latency,
    faults: {
      errorRate: options.errorRate,
      errorStatus: options.errorStatus,
      resetRate: options.resetRate,
      slowRate: options.slowRate,
      slowMs: options.slowMs,
    },
    tokenLifetimeSeconds: options.tokenLifetime,
    seed: options.seed,
    ...(clients === undefined ? {} : { clients }),
    ...(outage === undefined ? {} : { outage }),
    ...(options.refuseTokens === undefined ? {} : { tokenRefusal: options.refuseTokens }),
    control: options.control,
  };
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function outageLines(incidents: IncidentSnapshot, options: Auth0SimOptions): string[] {
  const lines: string[] = [];
  if (incidents.outage) {
    const { mode, status } = incidents.outage;
    const how =
      mode === "error"
        ? `every call answers ${status}`
        : `every call ${mode === "reset" ? "is reset" : "hangs"}`;
    const when = options.outageFrom === "start" ? "the start" : "the first Management API request";
    const length = options.outageFor === undefined ? "until stopped" : `for ${options.outageFor} s`;
    lines.push(`  outage         ${options.outageAfter ?? 0} s after ${when}, ${length}: ${how}`);
  }
  if (incidents.tokenRefusal) lines.push(`  token endpoint refuses every client (${incidents.tokenRefusal})`);
  return lines;
}

/** `auth0-sim`: the Auth0 Management API simulator on its own, until Ctrl-C. */
export function auth0SimCommand(): Command {
  const defaults = SIMULATOR_DEFAULTS;
  const command = new Command("auth0-sim")
    .description(
      "Run the Auth0 tenant simulator (token endpoint, PUT authentication-methods, rate limit) until Ctrl-C.",
    )
    .option("--host <host>", "interface to listen on", defaults.host)
    .option("--port <n>", "port (0 picks a free one)", numberOption, defaults.port)
    .option(
      "--rps <n>",
      "rate-limit bucket refill, requests per second",
      numberOption,
      defaults.rateLimit.rps,
    )
    .option("--burst <n>", "rate-limit bucket size", numberOption, defaults.rateLimit.burst)
    .option(
      "--live-traffic-rps <n>",
      "other traffic taking tokens from the bucket, per second",
      numberOption,
      0,
    )
    .addOption(
      new Option("--latency <min-max>", "added latency per Management API response, ms (e.g. 20-80)")
        .argParser(latencyOption)
        .default([0, 0], "none"),
    )
    .option("--error-rate <share>", "share of requests answered with --error-status (0-1)", numberOption, 0)
    .option(
      "--error-status <status>",
      "5xx status of injected errors",
      numberOption,
      defaults.faults.errorStatus,
    )
    .option(
      "--reset-rate <share>",
      "share of connections destroyed without a response (0-1)",
      numberOption,
      0,
    )
    .option("--slow-rate <share>", "share of responses delayed by --slow-ms (0-1)", numberOption, 0)
    .option("--slow-ms <ms>", "extra delay of a slow response", numberOption, 0)
    .option(
      "--token-lifetime <seconds>",
      "expires_in of issued tokens",
      numberOption,
      defaults.tokenLifetimeSeconds,
    )
    .option("--seed <n>", "seed of the fault and latency generator", numberOption, defaults.seed)
    .option("--client-id <id>", "accepted client id (default: the simulator's own test client)")
    .option("--client-secret <secret>", "accepted client secret (default: the simulator's own test secret)")
    .option(
      "--scopes <list>",
      "scopes put in the client's tokens, comma-separated (default: read and update users' methods)",
      scopesOption,
    )
    .option("--outage-after <s>", "an outage starts this many seconds after --outage-from", numberOption)
    .option("--outage-for <s>", "how long the outage lasts, seconds (default: until stopped)", numberOption)
    .option(
      "--outage-from <when>",
      "start (the simulator's start) or first-request (the first Management API request)",
      outageFromOption,
      "first-request",
    )
    .option(
      "--outage-mode <mode>",
      "how every call fails in the outage: error (--outage-status), reset, timeout (no answer)",
      outageModeOption,
      "error",
    )
    .option("--outage-status <status>", "5xx status of the outage's answers", numberOption, 503)
    .option(
      "--refuse-tokens <status>",
      "the token endpoint refuses every client with 401 or 403",
      refusalOption,
    )
    .option("--no-control", `do not serve ${CONTROL_PATH} (outages and knobs changed while running)`)
    .addHelpText(
      "after",
      examplesHelp([
        "factor-sync auth0-sim --rps 16 --burst 50 --latency 20-80",
        "factor-sync auth0-sim --port 4000 --error-rate 0.05 # 5 % answer 503",
        "factor-sync auth0-sim --outage-after 5 --outage-for 900 # 15 min down",
      ]) +
        "\n\nEvery user id exists in this simulator (a PUT never answers 404). The one that\n'run' and 'demo' start by themselves answers 404 for ids containing '|missing-'.",
    )
    .action(async (options: Auth0SimOptions) => {
      let sim: Awaited<ReturnType<typeof startAuth0Simulator>>;
      try {
        sim = await startAuth0Simulator(simulatorOptions(options));
      } catch (error) {
        if (error instanceof SimulatorOptionsError) command.error(`error: ${error.message}`, { exitCode: 2 });
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`error: the simulator could not start: ${message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const limit = sim.rateLimit();
      process.stdout.write(
        [
          "Auth0 simulator running (Ctrl-C to stop)",
          `  url            ${sim.url}`,
          `  domain         ${sim.domain}`,
          `  audience       ${sim.audience}`,
          `  client id      ${sim.clientId}`,
          `  client secret  ${sim.clientSecret}`,
          `  rate limit     ${options.rps}/s, burst ${limit.limit}`,
          ...(options.control ? [`  control        ${sim.url}${CONTROL_PATH} (GET, or POST JSON)`] : []),
          ...outageLines(sim.incidents, options),
          `  use with       AUTH0_DOMAIN=${sim.url} AUTH0_CLIENT_ID=${sim.clientId} AUTH0_CLIENT_SECRET=${sim.clientSecret}`,
          "",
        ].join("\n"),
      );
      await untilSignal();
      const stats = sim.stats;
      await sim.stop();
      process.stdout.write(
        `stopped: ${stats.requests} requests, ${stats.puts} PUTs, ${stats.applied} PUTs applied, ${stats.throttled} answered 429, ${stats.tokensIssued} tokens issued\n`,
      );
    });
  return command;
}
