import { METRICS_NAMESPACE } from "./names.js";
import type { InvocationMetrics, MetricUnit } from "./types.js";

/** CloudWatch takes at most 100 values of one metric in one EMF line. */
const MAX_VALUES_PER_LINE = 100;

/** Options of {@link EmfMetrics}. */
export interface EmfMetricsOptions {
  /** @default METRICS_NAMESPACE ("FactorSync") */
  namespace?: string;
  /** Dimensions of every metric, e.g. `{ FunctionName: "FactorSync-Apply..." }`. @default none */
  dimensions?: Record<string, string>;
  /** Receives one EMF document a call, without a newline. @default a line on standard output */
  write?: (line: string) => void;
  /** Epoch milliseconds, the documents' timestamp. @default Date.now */
  clock?: () => number;
}

type Recorded =
  | { kind: "sum"; unit: MetricUnit; value: number }
  | { kind: "lowest"; unit: MetricUnit; value: number }
  | { kind: "values"; unit: MetricUnit; values: number[] };

/**
 * {@link InvocationMetrics} written as CloudWatch Embedded Metric Format: one JSON line on standard output at
 * each flush, which CloudWatch Logs turns into metrics (no API call, no extra latency, no IAM permission).
 * Counters are summed and lowest values kept per invocation; observations keep every value (up to 100 a line,
 * more go on further lines). A non-finite value is ignored: a metric must never break the pipeline.
 *
 * @example
 * const metrics = new EmfMetrics({ dimensions: { FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "apply" } });
 * metrics.add("PutsApplied", 1, "Count");
 * metrics.observe("PutLatency", 84, "Milliseconds");
 * metrics.flush({ requestId: context.awsRequestId });
 */
export class EmfMetrics implements InvocationMetrics {
  readonly #namespace: string;
  readonly #dimensions: Record<string, string>;
  readonly #write: (line: string) => void;
  readonly #clock: () => number;
  #recorded = new Map<string, Recorded>();

  public constructor(options: EmfMetricsOptions = {}) {
    this.#namespace = options.namespace ?? METRICS_NAMESPACE;
    this.#dimensions = { ...options.dimensions };
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.#clock = options.clock ?? Date.now;
  }

  public add(name: string, value: number, unit: MetricUnit = "Count"): void {
    if (!Number.isFinite(value)) return;
    const current = this.#recorded.get(name);
    if (current === undefined) this.#recorded.set(name, { kind: "sum", unit, value });
    else this.#fold(current, value);
  }

  public observe(name: string, value: number, unit: MetricUnit): void {
    if (!Number.isFinite(value)) return;
    const current = this.#recorded.get(name);
    if (current === undefined) this.#recorded.set(name, { kind: "values", unit, values: [value] });
    else this.#fold(current, value);
  }

  public lowest(name: string, value: number, unit: MetricUnit = "None"): void {
    if (!Number.isFinite(value)) return;
    const current = this.#recorded.get(name);
    if (current === undefined) this.#recorded.set(name, { kind: "lowest", unit, value });
    else this.#fold(current, value);
  }

  public flush(properties: Record<string, string> = {}): void {
    const recorded = this.#recorded;
    this.#recorded = new Map();
    if (recorded.size === 0) return;
    const lines = Math.max(
      1,
      ...[...recorded.values()].map((entry) =>
        entry.kind === "values" ? Math.ceil(entry.values.length / MAX_VALUES_PER_LINE) : 1,
      ),
    );
    const timestamp = this.#clock();
    for (let line = 0; line < lines; line++) {
      const metrics: { Name: string; Unit: MetricUnit }[] = [];
      const values: Record<string, number | number[]> = {};
      for (const [name, entry] of recorded) {
        if (entry.kind === "values") {
          const chunk = entry.values.slice(line * MAX_VALUES_PER_LINE, (line + 1) * MAX_VALUES_PER_LINE);
          if (chunk.length === 0) continue;
          values[name] = chunk.length === 1 ? (chunk[0] as number) : chunk;
        } else {
          // Sums and minimums go on the first line only, or CloudWatch would count them twice.
          if (line > 0) continue;
          values[name] = entry.value;
        }
        metrics.push({ Name: name, Unit: entry.unit });
      }
      this.#write(
        JSON.stringify({
          ...properties,
          ...this.#dimensions,
          ...values,
          _aws: {
            Timestamp: timestamp,
            CloudWatchMetrics: [
              { Namespace: this.#namespace, Dimensions: [Object.keys(this.#dimensions)], Metrics: metrics },
            ],
          },
        }),
      );
    }
  }

  /** A second recording of a name is folded the way its first one was. */
  #fold(entry: Recorded, value: number): void {
    if (entry.kind === "sum") entry.value += value;
    else if (entry.kind === "lowest") entry.value = Math.min(entry.value, value);
    else entry.values.push(value);
  }
}
