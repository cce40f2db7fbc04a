import { type CountryCode, isSupportedCountry } from "libphonenumber-js";
// A namespace import lets esbuild drop what is unused; `import { z }` kept all of zod, every locale included.
import * as z from "zod";
import { PIPELINE_DEFAULTS, REPORTS_PREFIX } from "../lib/config/defaults.js";

/** The ingest function's settings, read once from its environment. */
export interface IngestConfig {
  /** `QUEUE_URL`: the work queue. */
  queueUrl: string;
  /** `REPORTS_PREFIX`: where reports go in the input's bucket. @default "reports/" */
  reportsPrefix: string;
  /** `DEFAULT_COUNTRY`: ISO 3166-1 alpha-2 country for national phone numbers. @default none */
  defaultCountry?: CountryCode;
  /** `SEND_CONCURRENCY`: SendMessageBatch calls in flight. @default 10 */
  sendConcurrency: number;
  /** `LOG_LEVEL`. @default "info" */
  logLevel: string;
}

/** An environment variable of the ingest function is missing or invalid. */
export class IngestConfigError extends Error {
  public override readonly name = "IngestConfigError";

  public constructor(
    public readonly variable: string,
    public readonly problem: string,
  ) {
    super(`ingest: environment variable ${variable} ${problem}`);
  }
}

// An empty variable (as a stack may set for "not configured") counts as unset.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const environmentSchema = z.object({
  QUEUE_URL: z.url({ error: "must be the work queue's URL" }),
  REPORTS_PREFIX: optional(z.string()),
  DEFAULT_COUNTRY: optional(
    z.string().refine(isSupportedCountry, { error: "must be an ISO 3166-1 alpha-2 country code, e.g. GB" }),
  ),
  SEND_CONCURRENCY: optional(
    z.coerce
      .number({ error: "must be a number" })
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be 1 to 100" })
      .max(100, { error: "must be 1 to 100" }),
  ),
  LOG_LEVEL: optional(
    z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
      error: "must be one of trace, debug, info, warn, error, fatal, silent",
    }),
  ),
});

/**
 * Reads and checks the ingest function's environment.
 *
 * @throws {@link IngestConfigError} naming the first variable that is missing or invalid.
 * @example
 * const config = readIngestConfig(process.env);
 */
export function readIngestConfig(environment: NodeJS.ProcessEnv): IngestConfig {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "?");
    const problem = environment[variable] === undefined ? "is required" : (issue?.message ?? "is invalid");
    throw new IngestConfigError(variable, problem);
  }
  const env = result.data;
  return {
    queueUrl: env.QUEUE_URL,
    reportsPrefix: env.REPORTS_PREFIX ?? REPORTS_PREFIX,
    ...(env.DEFAULT_COUNTRY !== undefined ? { defaultCountry: env.DEFAULT_COUNTRY as CountryCode } : {}),
    sendConcurrency: env.SEND_CONCURRENCY ?? PIPELINE_DEFAULTS.sendConcurrency,
    logLevel: env.LOG_LEVEL ?? "info",
  };
}
