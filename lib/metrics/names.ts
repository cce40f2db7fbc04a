/**
 * The names the functions emit and the stack's dashboard and alarms read: one list, so the two cannot drift.
 * One namespace; one dimension, the function's name (no per-user or per-job dimension: their number is
 * unbounded, and each would be a metric of its own, billed).
 */
export const METRICS_NAMESPACE = "FactorSync";

/** The only dimension: the Lambda function's name (`AWS_LAMBDA_FUNCTION_NAME`), so two stacks do not mix. */
export const FUNCTION_DIMENSION = "FunctionName";

/** Metric names. Apply also emits every numeric field of its batch counts, see {@link countMetricName}. */
export const METRIC = {
  /** Users read from a file (valid + rejected). */
  usersIngested: "UsersIngested",
  /** Users rejected for invalid input. */
  usersRejected: "UsersRejected",
  /** Users put on the work queue. */
  usersSent: "UsersSent",
  /** Valid users not sent: this tool already applied the same methods (the sync state). */
  usersUnchanged: "UsersUnchanged",
  /** Valid users SQS would not take. */
  usersFailedToSend: "UsersFailedToSend",
  /** Files that a file-level error stopped. */
  fileErrors: "FileErrors",
  /** Ingests whose checkpoint no invocation took up (a lost continuation), counted by ingest's sweep. */
  stalledIngests: "StalledIngests",
  /** PUTs answered 2xx. */
  putsApplied: "PutsApplied",
  /** PUTs answered with a permanent error (400, 403, 404, 409, a 401 a fresh token did not cure). */
  putsFailed: "PutsFailed",
  /** PUTs answered 429. */
  putsThrottled: "PutsThrottled",
  /** PUTs that met a 5xx, a timeout or a connection error. */
  putsTransient: "PutsTransient",
  /** Time of one PUT, token refresh included, milliseconds. */
  putLatency: "PutLatency",
  /** Time one request waited for the pacer, milliseconds. */
  pacerWait: "PacerWait",
  /** Lowest `x-ratelimit-remaining` seen in an invocation. */
  rateLimitRemaining: "RateLimitRemaining",
} as const;

/**
 * The metric name of a batch count field: the field in PascalCase (`deadLettered` → `DeadLettered`,
 * `heldByCircuit` → `HeldByCircuit`).
 *
 * @example
 * countMetricName("heldByConfiguration"); // "HeldByConfiguration"
 */
export function countMetricName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/**
 * The dimensions of a function's metrics: its name, as Lambda sets it in `AWS_LAMBDA_FUNCTION_NAME`.
 *
 * @example
 * new EmfMetrics({ dimensions: functionDimensions(env.AWS_LAMBDA_FUNCTION_NAME) });
 */
export function functionDimensions(functionName: string): Record<string, string> {
  return { [FUNCTION_DIMENSION]: functionName };
}
