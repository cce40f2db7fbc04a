import type { IngestSummary } from "../reports/IngestSummary.js";
import { METRIC } from "./names.js";
import type { Metrics } from "./types.js";

/**
 * Records what ingesting one file did: users read, rejected, sent, unchanged and not sent, and whether a file-level error
 * stopped it.
 *
 * @example
 * recordIngestSummary(metrics, summary);
 */
export function recordIngestSummary(metrics: Metrics, summary: IngestSummary): void {
  metrics.add(METRIC.usersIngested, summary.users, "Count");
  metrics.add(METRIC.usersRejected, summary.rejected, "Count");
  metrics.add(METRIC.usersSent, summary.sent, "Count");
  metrics.add(METRIC.usersUnchanged, summary.unchanged, "Count");
  metrics.add(METRIC.usersFailedToSend, summary.failedToSend, "Count");
  metrics.add(METRIC.fileErrors, summary.fileError === undefined ? 0 : 1, "Count");
}
