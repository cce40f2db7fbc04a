import { EmfMetrics } from "../../lib/metrics/EmfMetrics.js";
import { functionDimensions } from "../../lib/metrics/names.js";

/** Options of {@link capturedMetrics}. */
export interface CapturedMetricsOptions {
  /** @default () => 0 */
  clock?: () => number;
  /** The function name of the only dimension. @default none: no dimension */
  functionName?: string;
}

/**
 * Real {@link EmfMetrics} whose lines are kept in memory: `documents()` parses every line written so far,
 * `values()` flushes and returns the last document's fields without its `_aws` metadata.
 */
export function capturedMetrics(options: CapturedMetricsOptions = {}) {
  const lines: string[] = [];
  const metrics = new EmfMetrics({
    clock: options.clock ?? (() => 0),
    ...(options.functionName === undefined ? {} : { dimensions: functionDimensions(options.functionName) }),
    write: (line) => lines.push(line),
  });
  const documents = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const withoutMetadata = (document: Record<string, unknown> | undefined) => {
    const { _aws, ...values } = document ?? {};
    return values;
  };
  return {
    metrics,
    lines,
    documents,
    /** Every document written so far, without `_aws`. */
    valuesOfAll: () => documents().map(withoutMetadata),
    /** Flushes, then the last document's fields without `_aws`. */
    values: () => {
      metrics.flush();
      return withoutMetadata(documents().at(-1));
    },
  };
}

/** What `work` wrote to standard output (through `process.stdout.write`), with the real stream put back after. */
export async function stdoutOf(work: () => unknown): Promise<string[]> {
  const written: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = original;
  }
  return written;
}
