import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { en } from "zod/locales";
import * as z from "zod/mini";
import { applyBatch } from "../lib/apply/applyBatch.js";
import { createApplyDeps } from "../lib/apply/createApplyDeps.js";
import type { ApplyDeps } from "../lib/apply/types.js";
import { loadAuth0Credentials } from "../lib/auth0/credentials.js";
import { PIPELINE_DEFAULTS } from "../lib/config/defaults.js";
import { createLogger } from "../lib/logging/Logger.js";

/** The apply Lambda's handler: an SQS batch in, a partial batch response out. */
export type ApplyHandler = (
  event: SQSEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<SQSBatchResponse>;

/** Thrown when an environment variable is missing or invalid; the message names it. */
export class ApplyConfigurationError extends Error {
  public override readonly name = "ApplyConfigurationError";

  public constructor(
    public readonly variable: string,
    problem: string,
  ) {
    super(`environment variable ${variable}: ${problem}`);
  }
}

// zod/mini registers no error messages of its own: register the English ones, as zod classic does, so a bad
// variable is explained the same way.
z.config(en());

/** An empty variable counts as unset, so its default applies. */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.transform((value: unknown) => (value === "" ? undefined : value)),
    schema,
  );

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

const environmentSchema = z.object({
  AUTH0_DOMAIN: z.string().check(z.minLength(1)),
  AUTH0_SECRET_ARN: z.string().check(z.minLength(1)),
  DLQ_URL: z.url(),
  MAX_RECEIVE_COUNT: optional(
    z._default(z.coerce.number().check(z.int(), z.gte(1)), PIPELINE_DEFAULTS.maxReceiveCount),
  ),
  RPS_CEILING: optional(z._default(z.coerce.number().check(z.positive()), PIPELINE_DEFAULTS.rpsCeiling)),
  BUDGET_SHARE: optional(
    z._default(z.coerce.number().check(z.gt(0), z.lte(1)), PIPELINE_DEFAULTS.budgetShare),
  ),
  MAX_CONCURRENCY: optional(
    z._default(z.coerce.number().check(z.int(), z.gte(1)), PIPELINE_DEFAULTS.maxConcurrency),
  ),
  APPLY_CONCURRENCY: optional(
    z._default(z.coerce.number().check(z.int(), z.gte(1)), PIPELINE_DEFAULTS.applyConcurrency),
  ),
  LOG_LEVEL: optional(z._default(z.enum(LOG_LEVELS), "info")),
});

/** The apply function's configuration, as read from its environment. */
export type ApplyEnvironment = z.infer<typeof environmentSchema>;

/**
 * Reads and checks the apply function's environment (names as the stack sets them).
 *
 * @throws {@link ApplyConfigurationError} naming the first bad variable.
 * @example
 * const environment = readApplyEnvironment(process.env);
 */
export function readApplyEnvironment(env: NodeJS.ProcessEnv): ApplyEnvironment {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    const problem = env[variable] === undefined || env[variable] === "" ? "is required" : "is invalid";
    throw new ApplyConfigurationError(variable, `${problem} (${issue?.message ?? "invalid"})`);
  }
  return result.data;
}

/**
 * Builds the handler around clients made once (per container): the token cache and the pacer live as long
 * as the container, so a warm container neither fetches a token nor forgets its pacing.
 *
 * @example
 * const handle = createApplyHandler({ client, pacer, queue, logger });
 * const response = await handle(event, context);
 */
export function createApplyHandler(deps: Omit<ApplyDeps, "remainingTimeMs">): ApplyHandler {
  return async (event, context) => {
    const result = await applyBatch(event.Records, {
      ...deps,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    return { batchItemFailures: result.batchItemFailures };
  };
}

async function handlerFromEnvironment(): Promise<ApplyHandler> {
  const environment = readApplyEnvironment(process.env);
  const logger = createLogger({ level: environment.LOG_LEVEL, base: { fn: "apply" } });
  const credentials = await loadAuth0Credentials(new SecretsManagerClient({}), environment.AUTH0_SECRET_ARN);
  const deps = createApplyDeps(
    {
      auth0Domain: environment.AUTH0_DOMAIN,
      credentials,
      dlqUrl: environment.DLQ_URL,
      rpsCeiling: environment.RPS_CEILING,
      budgetShare: environment.BUDGET_SHARE,
      maxConcurrency: environment.MAX_CONCURRENCY,
      applyConcurrency: environment.APPLY_CONCURRENCY,
      maxReceiveCount: environment.MAX_RECEIVE_COUNT,
    },
    { sqs: new SQSClient({}), logger },
  );
  return createApplyHandler(deps);
}

let built: Promise<ApplyHandler> | undefined;

/** The Lambda entry point: built from the environment on the first call, then reused by the container. */
export const handler: ApplyHandler = async (event, context) => {
  built ??= handlerFromEnvironment().catch((error: unknown) => {
    // Do not cache a failure (a throttled Secrets Manager call): the next invocation tries again.
    built = undefined;
    throw error;
  });
  return (await built)(event, context);
};
