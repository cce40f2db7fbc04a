import { isSupportedCountry } from "libphonenumber-js";
import { z } from "zod";
import { LOG_LEVELS, type LogLevel, PIPELINE_DEFAULTS } from "../lib/config/defaults.js";
import { isMaxRejected, parseMaxRejected } from "../lib/ingest/rejectionTolerance.js";

/**
 * Host name used when `auth0Domain` is not given, so that `cdk synth` works without a tenant. `.invalid` never
 * resolves (RFC 6761), so a stack deployed with it reaches no one; the stack warns at synth.
 */
export const PLACEHOLDER_AUTH0_DOMAIN = "your-tenant.invalid";

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The stack's settings, all validated. Every field is a CDK context key of the same name. */
export interface StackConfig {
  /** Auth0 tenant host, e.g. `tenant.eu.auth0.com`. @default {@link PLACEHOLDER_AUTH0_DOMAIN} (synth only) */
  auth0Domain: string;
  /** Complete ARN of an existing secret holding `{"clientId","clientSecret"}`. @default none: the stack creates an empty secret */
  auth0SecretArn?: string;
  /** Requests per second for the whole apply fleet. @default PIPELINE_DEFAULTS.rpsCeiling (10) */
  rpsCeiling: number;
  /** Share of the tenant's rate-limit bucket the sync may use, in (0, 1]. @default PIPELINE_DEFAULTS.budgetShare (0.8) */
  budgetShare: number;
  /** The event source's MaximumConcurrency, 2 to 1000. @default PIPELINE_DEFAULTS.maxConcurrency (2) */
  maxConcurrency: number;
  /** Messages per apply invocation, 1 to 100. @default PIPELINE_DEFAULTS.batchSize (10) */
  batchSize: number;
  /** Receives of a message before SQS moves it to the DLQ, 1 to 1000. @default PIPELINE_DEFAULTS.maxReceiveCount (5) */
  maxReceiveCount: number;
  /** Requests in flight within one apply invocation. @default PIPELINE_DEFAULTS.applyConcurrency (10) */
  applyConcurrency: number;
  /** SendMessageBatch calls in flight during ingest. @default PIPELINE_DEFAULTS.sendConcurrency (10) */
  sendConcurrency: number;
  /** Days before uploaded input files (they hold TOTP secrets) expire, noncurrent versions included. @default 7 */
  inputRetentionDays: number;
  /** Days before reports expire. @default 30 */
  reportRetentionDays: number;
  /** Days before S3 server access logs expire. @default 90 */
  accessLogRetentionDays: number;
  /** Retention of the functions' log groups, one of the values CloudWatch Logs accepts. @default 30 */
  logRetentionDays: number;
  /** Functions' log level (pino). @default "info" */
  logLevel: LogLevel;
  /** Days the jobs table keeps a per-user outcome (its TTL); jobs themselves are kept. @default 30 */
  outcomeTtlDays: number;
  /** Age of the oldest work-queue message that raises the alarm, minutes. @default 360 */
  queueAgeAlarmMinutes: number;
  /** Minutes the circuit breaker may hold records (Auth0 unavailable) before the alarm fires. @default 5 */
  auth0UnavailableAlarmMinutes: number;
  /** Email subscribed to the alarm topic. @default none: alarms without a topic */
  alarmEmail?: string;
  /** ISO 3166-1 alpha-2 country used by ingest to read national phone numbers. @default none */
  defaultCountry?: string;
  /** How ingest checks phone numbers: `strict` (in its country's plan) or `e164` (Auth0's rule only). @default "strict" */
  phoneCheck?: "strict" | "e164";
  /** Most rejected users a file may have and still be sent: a count (`10`) or a percentage (`2.5%`). @default no limit */
  maxRejected?: string;
}

/** Defaults of every optional key, as documented in the README's context table. */
export const STACK_CONFIG_DEFAULTS = {
  auth0Domain: PLACEHOLDER_AUTH0_DOMAIN,
  rpsCeiling: PIPELINE_DEFAULTS.rpsCeiling,
  budgetShare: PIPELINE_DEFAULTS.budgetShare,
  maxConcurrency: PIPELINE_DEFAULTS.maxConcurrency,
  batchSize: PIPELINE_DEFAULTS.batchSize,
  maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
  applyConcurrency: PIPELINE_DEFAULTS.applyConcurrency,
  sendConcurrency: PIPELINE_DEFAULTS.sendConcurrency,
  inputRetentionDays: 7,
  reportRetentionDays: 30,
  accessLogRetentionDays: 90,
  logRetentionDays: 30,
  logLevel: PIPELINE_DEFAULTS.logLevel,
  outcomeTtlDays: PIPELINE_DEFAULTS.outcomeTtlDays,
  queueAgeAlarmMinutes: 360,
  auth0UnavailableAlarmMinutes: 5,
} as const satisfies Partial<StackConfig>;

/** One rejected context value. */
export interface StackConfigIssue {
  key: string;
  message: string;
}

/** A CDK context value that the stack cannot use. Its message names every bad key. */
export class InvalidStackConfigError extends Error {
  readonly issues: StackConfigIssue[];

  constructor(issues: StackConfigIssue[]) {
    super(`Invalid CDK context: ${issues.map((issue) => `${issue.key}: ${issue.message}`).join("; ")}`);
    this.name = "InvalidStackConfigError";
    this.issues = issues;
  }
}

// `-c key=value` arrives as a string, cdk.json values keep their JSON type: accept both for numbers.
const numeric = (schema: z.ZodNumber) =>
  z.preprocess((value) => (typeof value === "string" && value.trim() !== "" ? Number(value) : value), schema);

const integer = (min: number, max: number) =>
  numeric(
    z
      .number({ error: "expected a number" })
      .int({ error: "expected a whole number" })
      .min(min, { error: `expected at least ${min}` })
      .max(max, { error: `expected at most ${max}` }),
  );

// A host only: the functions build https://{domain}/ themselves, and a Lambda cannot reach a local simulator.
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
// Complete ARN (with the 6-character suffix Secrets Manager appends): IAM grants on a partial ARN match nothing.
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_REJECTED_EXPECTED = "expected a count such as 10 or a percentage such as 2.5%";

const schema = z.object({
  auth0Domain: z
    .string({ error: "expected a host name" })
    .regex(HOST, { error: 'expected a host name like "tenant.eu.auth0.com" (no scheme, no path)' })
    .default(STACK_CONFIG_DEFAULTS.auth0Domain),
  auth0SecretArn: z
    .string({ error: "expected a secret ARN" })
    .regex(SECRET_ARN, {
      error:
        "expected the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf)",
    })
    .optional(),
  rpsCeiling: numeric(
    z
      .number({ error: "expected a number" })
      .positive({ error: "expected a number greater than 0" })
      .max(1000, { error: "expected at most 1000" }),
  ).default(STACK_CONFIG_DEFAULTS.rpsCeiling),
  budgetShare: numeric(
    z
      .number({ error: "expected a number" })
      .positive({ error: "expected a share greater than 0" })
      .max(1, { error: "expected a share of at most 1" }),
  ).default(STACK_CONFIG_DEFAULTS.budgetShare),
  maxConcurrency: integer(2, 1000).default(STACK_CONFIG_DEFAULTS.maxConcurrency),
  batchSize: integer(1, 100).default(STACK_CONFIG_DEFAULTS.batchSize),
  maxReceiveCount: integer(1, 1000).default(STACK_CONFIG_DEFAULTS.maxReceiveCount),
  applyConcurrency: integer(1, 100).default(STACK_CONFIG_DEFAULTS.applyConcurrency),
  sendConcurrency: integer(1, 100).default(STACK_CONFIG_DEFAULTS.sendConcurrency),
  inputRetentionDays: integer(1, 3650).default(STACK_CONFIG_DEFAULTS.inputRetentionDays),
  reportRetentionDays: integer(1, 3650).default(STACK_CONFIG_DEFAULTS.reportRetentionDays),
  accessLogRetentionDays: integer(1, 3650).default(STACK_CONFIG_DEFAULTS.accessLogRetentionDays),
  logRetentionDays: numeric(
    z
      .number({ error: "expected a number" })
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        error: `expected one of ${LOG_RETENTION_DAYS.join(", ")}`,
      }),
  ).default(STACK_CONFIG_DEFAULTS.logRetentionDays),
  logLevel: z
    .enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` })
    .default(STACK_CONFIG_DEFAULTS.logLevel),
  outcomeTtlDays: integer(1, 3650).default(STACK_CONFIG_DEFAULTS.outcomeTtlDays),
  queueAgeAlarmMinutes: integer(1, 20_160).default(STACK_CONFIG_DEFAULTS.queueAgeAlarmMinutes),
  auth0UnavailableAlarmMinutes: integer(1, 1440).default(STACK_CONFIG_DEFAULTS.auth0UnavailableAlarmMinutes),
  alarmEmail: z
    .string({ error: "expected an email address" })
    .regex(EMAIL, { error: "expected an email address" })
    .optional(),
  defaultCountry: z
    .string({ error: "expected a country code" })
    .refine((code) => isSupportedCountry(code), {
      error: 'expected an upper-case ISO 3166-1 alpha-2 country code, e.g. "DE"',
    })
    .optional(),
  phoneCheck: z.enum(["strict", "e164"], { error: "expected strict or e164" }).optional(),
  // A count may come as a JSON number from cdk.json; a percentage is a string.
  maxRejected: z
    .preprocess(
      (value) => (typeof value === "number" ? String(value) : value),
      z
        .string({ error: MAX_REJECTED_EXPECTED })
        .refine(isMaxRejected, { error: MAX_REJECTED_EXPECTED })
        .transform((value) => parseMaxRejected(value).text),
    )
    .optional(),
});

/** The context keys the stack reads. */
export const STACK_CONFIG_KEYS = Object.keys(schema.shape) as (keyof StackConfig)[];

/** What {@link readStackConfig} reads context from: an App's or a construct's `node`. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
  getAllContext(): Record<string, unknown>;
}

/**
 * Reads the stack's settings from CDK context (`-c key=value`, or `context` in cdk.json) and validates them all,
 * throwing one {@link InvalidStackConfigError} that names every bad key. An empty string counts as unset, so
 * `-c alarmEmail=` turns an optional setting off. A key that differs from ours only in case is an error: a typo
 * must not silently fall back to a default.
 *
 * @example
 * const app = new App();
 * const config = readStackConfig(app.node);
 * new FactorSyncStack(app, "FactorSync", { config });
 */
export function readStackConfig(context: ContextSource): StackConfig {
  const issues: StackConfigIssue[] = [];
  const ours = new Map(STACK_CONFIG_KEYS.map((key) => [key.toLowerCase(), key]));
  for (const key of Object.keys(context.getAllContext())) {
    const meant = ours.get(key.toLowerCase());
    if (meant !== undefined && meant !== key)
      issues.push({ key, message: `unknown key: did you mean "${meant}"?` });
  }

  const raw: Record<string, unknown> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = context.tryGetContext(key);
    if (value !== undefined && value !== null && value !== "") raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? "context");
      issues.push({ key, message: `${issue.message}, got ${JSON.stringify(raw[key])}` });
    }
  }
  if (issues.length > 0 || !result.success) throw new InvalidStackConfigError(issues);
  return result.data;
}
