/**
 * The pipeline's settings that the AWS stack (`infra/`) and the local runner (`run`, `npm start`) must share,
 * so a local run behaves like a deployed one. Each can be overridden through CDK context or CLI options.
 */
export const PIPELINE_DEFAULTS = {
  /** Apply function timeout, seconds. */
  applyTimeoutSeconds: 60,
  /** Ingest function timeout, seconds (Lambda's longest): an ingest that needs longer continues (issue 14). */
  ingestTimeoutSeconds: 900,
  /** Work-queue visibility timeout, seconds: six times the apply timeout, as AWS advises for event sources. */
  visibilityTimeoutSeconds: 360,
  /** Receives before SQS itself moves a message to the DLQ. The apply handler dead-letters on the last one. */
  maxReceiveCount: 5,
  /** Messages per apply invocation. */
  batchSize: 10,
  /** Seconds the event source may wait to fill a batch. */
  maxBatchingWindowSeconds: 1,
  /** Concurrent apply invocations (the event source's MaximumConcurrency, 2 to 1000). */
  maxConcurrency: 2,
  /** Requests in flight within one apply invocation. */
  applyConcurrency: 10,
  /** Requests-per-second ceiling for the whole fleet, split across maxConcurrency. */
  rpsCeiling: 10,
  /** Share of the tenant's rate-limit bucket the sync may use. */
  budgetShare: 0.8,
  /** SendMessageBatch calls in flight during ingest. */
  sendConcurrency: 10,
  /** Days a per-user outcome item stays in the jobs table (its TTL); the jobs themselves stay. */
  outcomeTtlDays: 30,
  /** DLQ retention, seconds (14 days, the SQS maximum). */
  dlqRetentionSeconds: 14 * 24 * 3600,
  /** The functions' log level. */
  logLevel: "info",
} as const;

/** The log levels a function's `LOG_LEVEL` (and the stack's `logLevel`) may name: pino's. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Object key prefix of input files. */
export const INCOMING_PREFIX = "incoming/";
/** Object key prefix of reports. */
export const REPORTS_PREFIX = "reports/";
