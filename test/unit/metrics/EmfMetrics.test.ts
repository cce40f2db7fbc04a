import { describe, expect, it } from "vitest";
import { EmfMetrics } from "../../../lib/metrics/EmfMetrics.js";
import { functionDimensions } from "../../../lib/metrics/names.js";
import { stdoutOf } from "../../helpers/metrics.js";

const AT = Date.UTC(2026, 11, 1, 14, 0, 0);

function emf(options: ConstructorParameters<typeof EmfMetrics>[0] = {}) {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ clock: () => AT, write: (line) => lines.push(line), ...options });
  return { metrics, documents: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("EmfMetrics", () => {
  it("writes one EMF document per flush: namespace, the function dimension, each metric with its unit and value", () => {
    const { metrics, documents } = emf({ dimensions: functionDimensions("FactorSync-Apply-abc") });
    metrics.add("PutsApplied", 1, "Count");
    metrics.add("PutsApplied", 2, "Count");
    metrics.observe("PutLatency", 80, "Milliseconds");
    metrics.observe("PutLatency", 120, "Milliseconds");
    metrics.lowest("RateLimitRemaining", 12, "Count");
    metrics.lowest("RateLimitRemaining", 3, "Count");
    metrics.lowest("RateLimitRemaining", 7, "Count");
    metrics.flush({ requestId: "req-1" });

    expect(documents()).toEqual([
      {
        requestId: "req-1",
        FunctionName: "FactorSync-Apply-abc",
        PutsApplied: 3,
        PutLatency: [80, 120],
        RateLimitRemaining: 3,
        _aws: {
          Timestamp: AT,
          CloudWatchMetrics: [
            {
              Namespace: "FactorSync",
              Dimensions: [["FunctionName"]],
              Metrics: [
                { Name: "PutsApplied", Unit: "Count" },
                { Name: "PutLatency", Unit: "Milliseconds" },
                { Name: "RateLimitRemaining", Unit: "Count" },
              ],
            },
          ],
        },
      },
    ]);
  });

  it("starts over after a flush, and writes nothing when nothing was recorded", () => {
    const { metrics, documents } = emf();
    metrics.flush();
    metrics.add("UsersSent", 5);
    metrics.flush();
    metrics.flush();
    metrics.add("UsersSent", 2);
    metrics.flush();
    expect(documents().map((document) => document.UsersSent)).toEqual([5, 2]);
  });

  it("keeps zero counts, so an alarm sees a count fall back to 0", () => {
    const { metrics, documents } = emf();
    metrics.add("HeldByCircuit", 0);
    metrics.flush();
    expect(documents()[0]).toMatchObject({ HeldByCircuit: 0 });
  });

  it("spreads more than 100 observations over several documents, counters on the first one only", () => {
    const { metrics, documents } = emf();
    for (let ms = 0; ms < 250; ms++) metrics.observe("PacerWait", ms, "Milliseconds");
    metrics.add("PutsApplied", 250);
    metrics.flush();

    const written = documents();
    expect(written.map((document) => (document.PacerWait as number[]).length)).toEqual([100, 100, 50]);
    expect(written.flatMap((document) => document.PacerWait as number[])).toEqual(
      Array.from({ length: 250 }, (_, ms) => ms),
    );
    expect(written.map((document) => document.PutsApplied)).toEqual([250, undefined, undefined]);
    expect(
      written.map((document) =>
        (
          document._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }
        ).CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name),
      ),
    ).toEqual([["PacerWait", "PutsApplied"], ["PacerWait"], ["PacerWait"]]);
  });

  it("ignores values that are not finite numbers instead of writing a document CloudWatch would reject", () => {
    const { metrics, documents } = emf();
    metrics.add("UsersSent", Number.NaN);
    metrics.observe("PutLatency", Number.POSITIVE_INFINITY, "Milliseconds");
    metrics.lowest("RateLimitRemaining", Number.NaN);
    metrics.flush();
    expect(documents()).toEqual([]);
  });

  it("writes no dimension when none is given, and a namespace of the caller's choice", () => {
    const { metrics, documents } = emf({ namespace: "Elsewhere" });
    metrics.add("UsersSent", 1);
    metrics.flush();
    expect(documents()[0]?._aws).toEqual({
      Timestamp: AT,
      CloudWatchMetrics: [
        { Namespace: "Elsewhere", Dimensions: [[]], Metrics: [{ Name: "UsersSent", Unit: "Count" }] },
      ],
    });
  });

  it("writes each document as one line of standard output by default", async () => {
    const written = await stdoutOf(() => {
      const metrics = new EmfMetrics({ clock: () => AT });
      metrics.add("UsersSent", 1);
      metrics.flush();
    });
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith("\n")).toBe(true);
    expect(written[0]?.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(written[0] ?? "")).toMatchObject({ UsersSent: 1 });
  });
});
