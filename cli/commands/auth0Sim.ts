import { Command, InvalidArgumentError, Option } from "commander";
import {
  type Auth0SimulatorOptions,
  type LatencyRange,
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
    options.clientId !== undefined || options.clientSecret !== undefined
      ? [{ clientId: options.clientId ?? "", clientSecret: options.clientSecret ?? "" }]
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
    .addHelpText(
      "after",
      examplesHelp([
        "factor-sync auth0-sim --rps 16 --burst 50 --latency 20-80",
        "factor-sync auth0-sim --port 4000 --error-rate 0.05 # 5 % answer 503",
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
          `  use with       AUTH0_DOMAIN=${sim.url} AUTH0_CLIENT_ID=${sim.clientId} AUTH0_CLIENT_SECRET=${sim.clientSecret}`,
          "",
        ].join("\n"),
      );
      await untilSignal();
      const stats = sim.stats;
      await sim.stop();
      process.stdout.write(
        `stopped: ${stats.requests} requests, ${stats.applied} PUTs applied, ${stats.throttled} answered 429, ${stats.tokensIssued} tokens issued\n`,
      );
    });
  return command;
}
