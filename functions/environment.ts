import { type CountryCode, isSupportedCountry } from "libphonenumber-js";
import * as z from "zod/mini";
import { LOG_LEVELS, type LogLevel, PIPELINE_DEFAULTS, REPORTS_PREFIX } from "../lib/config/defaults.js";
import { optional, readEnvironment } from "../lib/config/environment.js";
import type { IngestHandlerConfig } from "../lib/ingest/createIngestHandler.js";
import { isMaxRejected, parseMaxRejected } from "../lib/ingest/rejectionTolerance.js";

// The environment of both functions, as the stack sets it (infra/FactorSyncStack.ts): one zod flavour, one
// error (ConfigurationError, naming the variable), the defaults from lib/config/defaults.ts.

const positiveInteger = z.coerce.number().check(z.int(), z.gte(1));

/** Built when read, so each function's bundle keeps only its own schema (and ingest's phone metadata stays out of apply's). */
const applySchema = () =>
  z.object({
    AUTH0_DOMAIN: z.string().check(z.minLength(1)),
    AUTH0_SECRET_ARN: z.string().check(z.minLength(1)),
    DLQ_URL: z.url(),
    MAX_RECEIVE_COUNT: optional(z._default(positiveInteger, PIPELINE_DEFAULTS.maxReceiveCount)),
    RPS_CEILING: optional(z._default(z.coerce.number().check(z.positive()), PIPELINE_DEFAULTS.rpsCeiling)),
    BUDGET_SHARE: optional(
      z._default(z.coerce.number().check(z.gt(0), z.lte(1)), PIPELINE_DEFAULTS.budgetShare),
    ),
    MAX_CONCURRENCY: optional(z._default(positiveInteger, PIPELINE_DEFAULTS.maxConcurrency)),
    APPLY_CONCURRENCY: optional(z._default(positiveInteger, PIPELINE_DEFAULTS.applyConcurrency)),
    LOG_LEVEL: optional(z._default(z.enum(LOG_LEVELS), PIPELINE_DEFAULTS.logLevel)),
    /** The jobs table (lib/jobs); without it, apply records no outcomes. */
    JOBS_TABLE: optional(z.optional(z.string().check(z.minLength(3)))),
    /** Days a per-user outcome is kept in the jobs table. */
    OUTCOME_TTL_DAYS: optional(
      z._default(z.coerce.number().check(z.positive()), PIPELINE_DEFAULTS.outcomeTtlDays),
    ),
    // Set by Lambda: the metrics' only dimension.
    AWS_LAMBDA_FUNCTION_NAME: optional(z._default(z.string(), "factor-sync-apply")),
  });

/** The apply function's configuration, as read from its environment. */
export type ApplyEnvironment = z.infer<ReturnType<typeof applySchema>>;

/**
 * Reads and checks the apply function's environment.
 *
 * @throws {@link ConfigurationError} naming the first bad variable.
 * @example
 * const environment = readApplyEnvironment(process.env);
 */
export function readApplyEnvironment(environment: NodeJS.ProcessEnv): ApplyEnvironment {
  return readEnvironment(applySchema(), environment) as ApplyEnvironment;
}

const ingestSchema = () =>
  z.object({
    QUEUE_URL: z.url({ error: "must be the work queue's URL" }),
    /** The control queue (issue 14): with it and the jobs table, an ingest continues across invocations. */
    CONTROL_QUEUE_URL: optional(z.optional(z.url({ error: "must be the control queue's URL" }))),
    /** The function's own timeout (the stack sets it): a checkpoint older than twice it is stalled. */
    INGEST_TIMEOUT_SECONDS: optional(
      z._default(z.coerce.number().check(z.int(), z.positive()), PIPELINE_DEFAULTS.ingestTimeoutSeconds),
    ),
    REPORTS_PREFIX: optional(z.optional(z.string())),
    DEFAULT_COUNTRY: optional(
      z.optional(
        z
          .string()
          .check(
            z.refine(isSupportedCountry, { error: "must be an ISO 3166-1 alpha-2 country code, e.g. GB" }),
          ),
      ),
    ),
    SEND_CONCURRENCY: optional(
      z.optional(
        z.coerce
          .number({ error: "must be a number" })
          .check(
            z.int({ error: "must be a whole number" }),
            z.gte(1, { error: "must be 1 to 100" }),
            z.lte(100, { error: "must be 1 to 100" }),
          ),
      ),
    ),
    LOG_LEVEL: optional(z.optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }))),
    JOBS_TABLE: optional(z.optional(z.string().check(z.minLength(3)))),
    RPS_CEILING: optional(z.optional(z.coerce.number().check(z.positive()))),
    // The sync state (issue 11), with JOBS_TABLE: the key's secret and the tenant it is kept under.
    SYNC_KEY_SECRET_ARN: optional(z.optional(z.string().check(z.minLength(1)))),
    AUTH0_DOMAIN: optional(z.optional(z.string().check(z.minLength(1)))),
    // Set by Lambda: the metrics' only dimension.
    AWS_LAMBDA_FUNCTION_NAME: optional(z.optional(z.string())),
    PHONE_CHECK: optional(z.optional(z.enum(["strict", "e164"], { error: "must be strict or e164" }))),
    MAX_REJECTED: optional(
      z.optional(
        z.string().check(
          z.refine(isMaxRejected, {
            error: "must be a count such as 10 or a percentage such as 2.5%",
          }),
        ),
      ),
    ),
  });

/** The ingest function's settings: what its handler factory takes, plus its log level and jobs table. */
export interface IngestConfig extends IngestHandlerConfig {
  /** `LOG_LEVEL`. @default "info" */
  logLevel: LogLevel;
  /** `JOBS_TABLE`: the jobs table. @default none (no jobs) */
  jobsTable?: string;
  /** `CONTROL_QUEUE_URL` (issue 14): with the jobs table, an ingest continues across invocations. @default none */
  controlQueueUrl?: string;
  /** `INGEST_TIMEOUT_SECONDS`: the function's timeout. @default 900 */
  timeoutSeconds: number;
  /** `RPS_CEILING`: the apply fleet's ceiling, recorded in each job for its completion report. @default none */
  rpsCeiling?: number;
  /** `SYNC_KEY_SECRET_ARN`: the sync state's HMAC key; with `JOBS_TABLE` and `AUTH0_DOMAIN`. @default none (no sync state) */
  syncKeySecretArn?: string;
  /** `AUTH0_DOMAIN`: the tenant the sync state is kept under. @default none */
  auth0Domain?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (Lambda sets it), the dimension of the function's metrics. @default "factor-sync-ingest" */
  functionName: string;
}

/**
 * Reads and checks the ingest function's environment (`QUEUE_URL`; `REPORTS_PREFIX` default "reports/",
 * `DEFAULT_COUNTRY` default none, `SEND_CONCURRENCY` default 10, `LOG_LEVEL` default "info", `PHONE_CHECK`
 * `strict` or `e164` default strict, `MAX_REJECTED` a count or a percentage, default no limit,
 * `JOBS_TABLE` and `CONTROL_QUEUE_URL` default none, `INGEST_TIMEOUT_SECONDS` default 900,
 * `AWS_LAMBDA_FUNCTION_NAME` default "factor-sync-ingest").
 *
 * @throws {@link ConfigurationError} naming the first variable that is missing or invalid.
 * @example
 * const config = readIngestConfig(process.env);
 */
export function readIngestConfig(environment: NodeJS.ProcessEnv): IngestConfig {
  const env = readEnvironment(ingestSchema(), environment);
  return {
    queueUrl: env.QUEUE_URL,
    reportsPrefix: env.REPORTS_PREFIX ?? REPORTS_PREFIX,
    ...(env.DEFAULT_COUNTRY !== undefined ? { defaultCountry: env.DEFAULT_COUNTRY as CountryCode } : {}),
    sendConcurrency: env.SEND_CONCURRENCY ?? PIPELINE_DEFAULTS.sendConcurrency,
    logLevel: env.LOG_LEVEL ?? PIPELINE_DEFAULTS.logLevel,
    ...(env.JOBS_TABLE !== undefined ? { jobsTable: env.JOBS_TABLE } : {}),
    ...(env.CONTROL_QUEUE_URL !== undefined ? { controlQueueUrl: env.CONTROL_QUEUE_URL } : {}),
    timeoutSeconds: env.INGEST_TIMEOUT_SECONDS ?? PIPELINE_DEFAULTS.ingestTimeoutSeconds,
    ...(env.RPS_CEILING !== undefined ? { rpsCeiling: env.RPS_CEILING } : {}),
    ...(env.SYNC_KEY_SECRET_ARN !== undefined ? { syncKeySecretArn: env.SYNC_KEY_SECRET_ARN } : {}),
    ...(env.AUTH0_DOMAIN !== undefined ? { auth0Domain: env.AUTH0_DOMAIN } : {}),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "factor-sync-ingest",
    ...(env.PHONE_CHECK !== undefined ? { phoneCheck: env.PHONE_CHECK } : {}),
    ...(env.MAX_REJECTED !== undefined ? { maxRejected: parseMaxRejected(env.MAX_REJECTED) } : {}),
  };
}
