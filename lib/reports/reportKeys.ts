import { INCOMING_PREFIX, REPORTS_PREFIX } from "../config/defaults.js";

/** The S3 keys of the reports about one input object. */
export interface ReportKeys {
  /** `line,user_id,errors`: users rejected for invalid input. Always written. */
  rejects: string;
  /** The run's counts as JSON. Always written. */
  summary: string;
  /** `line,user_id,reason`: valid users SQS would not take. Written only when there are any. */
  unsent: string;
  /** The job's completion report (counts, durations, rate): written when the job finishes. */
  result: string;
  /** The job's failed users, the columns of `dlq-export`: written when the job finishes. */
  failures: string;
}

/**
 * Where the reports about `inputKey` go: under `reportsPrefix`, with the input key's part after `incoming/` kept,
 * so `incoming/2026/users.csv.gz` gives `reports/2026/users.csv.gz.rejects.csv`. A key outside `incoming/` is kept
 * whole. A prefix without a trailing `/` gets one.
 *
 * @example
 * reportKeys("incoming/2026/users.csv.gz").summary // "reports/2026/users.csv.gz.summary.json"
 */
export function reportKeys(inputKey: string, reportsPrefix: string = REPORTS_PREFIX): ReportKeys {
  const prefix = reportsPrefix === "" || reportsPrefix.endsWith("/") ? reportsPrefix : `${reportsPrefix}/`;
  const rest = inputKey.startsWith(INCOMING_PREFIX) ? inputKey.slice(INCOMING_PREFIX.length) : inputKey;
  const base = `${prefix}${rest}`;
  return {
    rejects: `${base}.rejects.csv`,
    summary: `${base}.summary.json`,
    unsent: `${base}.unsent.csv`,
    result: `${base}.result.json`,
    failures: `${base}.failures.csv`,
  };
}
