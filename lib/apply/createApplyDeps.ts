import type { SQSClient } from "@aws-sdk/client-sqs";
import { toAuth0Endpoint } from "../auth0/Auth0Endpoint.js";
import { ManagementApiClient } from "../auth0/ManagementApiClient.js";
import { type Auth0Credentials, TokenProvider } from "../auth0/TokenProvider.js";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import type { Logger } from "../logging/Logger.js";
import { Pacer } from "../pacing/Pacer.js";
import { SqsApplyQueue } from "./SqsApplyQueue.js";
import type { ApplyDeps } from "./types.js";

/** What one apply worker needs to know; the apply function reads it from its environment. */
export interface ApplySettings {
  /** `AUTH0_DOMAIN`: a host, or a base URL such as the simulator's `http://127.0.0.1:PORT`. */
  auth0Domain: string;
  credentials: Auth0Credentials;
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
  /** Per-request timeout; the time margin is three of these plus 2 s. @default 10_000 */
  requestTimeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** {@link ApplyDeps} plus the token provider, whose `fetchCount` a caller may want to report. */
export interface BuiltApplyDeps extends Omit<ApplyDeps, "remainingTimeMs"> {
  tokens: TokenProvider;
}

/**
 * Builds one worker's clients (token cache, Management API client, pacer, SQS queue): what the apply Lambda
 * builds once per container, and what the local runner builds once per simulated worker.
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
  const requestTimeoutMs = settings.requestTimeoutMs ?? 10_000;
  const tokens = new TokenProvider({
    endpoint,
    credentials: settings.credentials,
    fetch: settings.fetch,
    timeoutMs: requestTimeoutMs,
  });
  return {
    tokens,
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
      // One call may be PUT, token request and PUT again (a 401), each up to the request timeout.
      timeMarginMs: 3 * requestTimeoutMs + 2_000,
    },
  };
}
