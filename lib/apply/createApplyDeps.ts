import type { SQSClient } from "@aws-sdk/client-sqs";
import { toAuth0Endpoint } from "../auth0/Auth0Endpoint.js";
import { CredentialsCache, type CredentialsSource } from "../auth0/CredentialsCache.js";
import { ManagementApiClient } from "../auth0/ManagementApiClient.js";
import { type Auth0Credentials, TokenProvider } from "../auth0/TokenProvider.js";
import { applyTimeMarginMs, CLIENT_TIMEOUTS } from "../config/clientTimeouts.js";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import type { Logger } from "../logging/Logger.js";
import { Pacer } from "../pacing/Pacer.js";
import { CircuitBreaker, type CircuitState } from "./CircuitBreaker.js";
import { SqsApplyQueue } from "./SqsApplyQueue.js";
import type { ApplyDeps } from "./types.js";

/** What one apply worker needs to know; the apply function reads it from its environment. */
export interface ApplySettings {
  /** `AUTH0_DOMAIN`: a host, or a base URL such as the simulator's `http://127.0.0.1:PORT`. */
  auth0Domain: string;
  /**
   * Fixed credentials, or how to read them (Secrets Manager on AWS, `.env` locally): then they are read at
   * most every `credentialsMaxAgeMs` and again after every failed token request.
   */
  credentials: Auth0Credentials | (() => Promise<Auth0Credentials>);
  /** @default 300_000 (5 minutes) */
  credentialsMaxAgeMs?: number;
  dlqUrl: string;
  /** @default PIPELINE_DEFAULTS.rpsCeiling */
  rpsCeiling?: number;
  /** @default PIPELINE_DEFAULTS.budgetShare */
  budgetShare?: number;
  /** @default PIPELINE_DEFAULTS.maxConcurrency */
  maxConcurrency?: number;
  /** @default PIPELINE_DEFAULTS.applyConcurrency */
  applyConcurrency?: number;
  /** @default PIPELINE_DEFAULTS.maxReceiveCount */
  maxReceiveCount?: number;
  /**
   * Per-request timeout of Auth0 calls; the time margin counts four of them (`applyTimeMarginMs`).
   * @default CLIENT_TIMEOUTS.auth0RequestMs (5_000)
   */
  requestTimeoutMs?: number;
  /** The circuit breaker's probe interval while Auth0 is unavailable or refuses us. @default 30_000 */
  probeIntervalMs?: number;
  /** Told of every change of the circuit (the local runner's progress line; logs). */
  onCircuitChange?: (state: CircuitState) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** {@link ApplyDeps} plus the token provider, whose `fetchCount` a caller may want to report. */
export interface BuiltApplyDeps extends Omit<ApplyDeps, "remainingTimeMs"> {
  tokens: TokenProvider;
  circuit: CircuitBreaker;
}

/**
 * Builds one worker's clients (credentials cache, token cache, Management API client, pacer, circuit
 * breaker, SQS queue): what the apply Lambda builds once per container, and what the local runner builds once
 * per simulated worker.
 *
 * @example
 * const deps = createApplyDeps({ auth0Domain: sim.url, credentials, dlqUrl }, { sqs, logger });
 * const handle = createApplyHandler(deps);
 */
export function createApplyDeps(
  settings: ApplySettings,
  clients: { sqs: SQSClient; logger: Logger },
): BuiltApplyDeps {
  const endpoint = toAuth0Endpoint(settings.auth0Domain);
  const requestTimeoutMs = settings.requestTimeoutMs ?? CLIENT_TIMEOUTS.auth0RequestMs;
  const { credentials } = settings;
  const source: Auth0Credentials | CredentialsSource =
    typeof credentials === "function"
      ? new CredentialsCache({ load: credentials, maxAgeMs: settings.credentialsMaxAgeMs })
      : credentials;
  const tokens = new TokenProvider({
    endpoint,
    credentials: source,
    fetch: settings.fetch,
    timeoutMs: requestTimeoutMs,
  });
  const { logger } = clients;
  const circuit = new CircuitBreaker({
    probeIntervalMs: settings.probeIntervalMs,
    onChange: (state) => {
      if (state.status === "closed")
        logger.info({ circuit: "closed" }, "Auth0 answers again; circuit closed");
      else {
        logger.warn(
          {
            circuit: "open",
            reason: state.reason,
            status: state.lastStatus,
            problem: state.problem,
            since: new Date(state.sinceMs).toISOString(),
          },
          state.reason === "configuration"
            ? "configuration error: records are held and the job paused until it is fixed"
            : "Auth0 unavailable: circuit open, records are held and Auth0 probed",
        );
      }
      settings.onCircuitChange?.(state);
    },
  });
  return {
    tokens,
    circuit,
    client: new ManagementApiClient({ endpoint, tokens, fetch: settings.fetch, timeoutMs: requestTimeoutMs }),
    pacer: new Pacer({
      rpsCeiling: settings.rpsCeiling ?? PIPELINE_DEFAULTS.rpsCeiling,
      maxConcurrency: settings.maxConcurrency ?? PIPELINE_DEFAULTS.maxConcurrency,
      budgetShare: settings.budgetShare ?? PIPELINE_DEFAULTS.budgetShare,
    }),
    queue: new SqsApplyQueue({ sqs: clients.sqs, dlqUrl: settings.dlqUrl, logger: clients.logger }),
    logger: clients.logger,
    options: {
      applyConcurrency: settings.applyConcurrency ?? PIPELINE_DEFAULTS.applyConcurrency,
      maxReceiveCount: settings.maxReceiveCount ?? PIPELINE_DEFAULTS.maxReceiveCount,
      // The worst call sequence plus the settle calls, every client at its timeout.
      timeMarginMs: applyTimeMarginMs({ auth0RequestMs: requestTimeoutMs }),
    },
  };
}
