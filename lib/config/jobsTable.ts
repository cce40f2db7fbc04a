/**
 * The jobs table's shape, shared by the stack (`infra/`) and the local runtime's dynalite table, so both hold
 * the same table: partition key `pk` (S), sort key `sk` (S), no index (jobs are listed by a Query on one fixed
 * partition), and a TTL attribute for per-user outcome items.
 */
export const JOBS_TABLE = {
  /** Partition key, a string. */
  partitionKey: "pk",
  /** Sort key, a string. */
  sortKey: "sk",
  /**
   * TTL attribute: epoch seconds, a number. DynamoDB deletes an item some time after it passes. How long a
   * per-user outcome is kept: `PIPELINE_DEFAULTS.outcomeTtlDays` (`OUTCOME_TTL_DAYS`, context `outcomeTtlDays`).
   */
  ttlAttribute: "expiresAt",
} as const;
