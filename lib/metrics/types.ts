/** CloudWatch units the pipeline's metrics use. */
export type MetricUnit = "Count" | "Milliseconds" | "None";

/**
 * The metrics port every `lib/` module takes: it records values, the adapter decides where they go (EMF lines
 * on AWS, nothing locally). One call per event; aggregation is the implementation's.
 */
export interface Metrics {
  /** Adds `value` to a counter: the values of one name within an invocation are summed. */
  add(name: string, value: number, unit?: MetricUnit): void;
  /** Records one observation of a distribution (a latency, a wait): every value is kept, for percentiles. */
  observe(name: string, value: number, unit: MetricUnit): void;
  /** Keeps the lowest value of a name within an invocation (e.g. the lowest `x-ratelimit-remaining`). */
  lowest(name: string, value: number, unit?: MetricUnit): void;
}

/** A {@link Metrics} that a handler flushes once at the end of each invocation. */
export interface InvocationMetrics extends Metrics {
  /**
   * Writes what was recorded since the last flush and starts over. Writes nothing when nothing was recorded.
   * @param properties searchable fields on the line that are not dimensions (e.g. the request id)
   */
  flush(properties?: Record<string, string>): void;
}
