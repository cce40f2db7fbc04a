import { describe, expect, it } from "vitest";
import { SourceOrderError } from "../../../lib/sync/errors.js";
import { sourceOrder } from "../../../lib/sync/sourceOrder.js";

describe("sourceOrder", () => {
  it("orders by event time first, whatever the sequencers say", () => {
    const earlier = sourceOrder({ eventTime: "2026-12-01T02:00:00.000Z", sequencer: "FF", jobId: "j-b" });
    const later = sourceOrder({ eventTime: "2026-12-01T02:00:00.001Z", sequencer: "00", jobId: "j-a" });
    expect(earlier < later).toBe(true);
  });

  it("orders uploads of the same millisecond by sequencer, a shorter one left-padded with zeros", () => {
    const at = "2026-12-01T02:00:00.000Z";
    const shorter = sourceOrder({ eventTime: at, sequencer: "0055AED6DCD90281E5", jobId: "j-b" });
    const longer = sourceOrder({ eventTime: at, sequencer: "0155AED6DCD90281E5A", jobId: "j-a" });
    expect(shorter < longer).toBe(true);
  });

  it("builds the documented string", () => {
    expect(
      sourceOrder({ eventTime: "2026-12-01T02:00:00.000Z", sequencer: "0055aed6dcd90281e5", jobId: "j-1" }),
    ).toBe("001796090400000.000000000000000055AED6DCD90281E5.j-1");
  });

  it("refuses an event time that is not a date", () => {
    expect(() => sourceOrder({ eventTime: "yesterday", jobId: "j-1" })).toThrow(SourceOrderError);
  });
});
