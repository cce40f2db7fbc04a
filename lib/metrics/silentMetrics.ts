import type { InvocationMetrics } from "./types.js";

/** Metrics that record nothing: the local runner, the CLI and unit tests that do not look at metrics. */
export const silentMetrics: InvocationMetrics = { add() {}, observe() {}, lowest() {}, flush() {} };
