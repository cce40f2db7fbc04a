import { describe, expect, it } from "vitest";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { isJobId, jobIdFor } from "../../../lib/jobs/jobId.js";
import type { JobCounts } from "../../../lib/jobs/types.js";

const counts: JobCounts = {
  users: 10,
  valid: 8,
  rejected: 2,
  unchanged: 1,
  sent: 6,
  failedToSend: 1,
  applied: 3,
  failed: 1,
  superseded: 0,
  cancelled: 1,
  pending: 1,
};

describe("countProblems", () => {
  it("finds nothing when the counts add up", () => {
    expect(countProblems(counts, "applying")).toEqual([]);
  });

  it("names each broken equation, and pending in a finished job", () => {
    expect(countProblems({ ...counts, applied: 4 }, "complete")).toEqual([
      "sent (6) ≠ applied + failed + superseded + cancelled + pending (7)",
      "a complete job has 1 pending",
    ]);
    expect(countProblems({ ...counts, rejected: 1 })).toEqual(["users (10) ≠ valid + rejected (9)"]);
  });
});

describe("jobIdFor", () => {
  it("is the same for the same upload and differs for a new version or sequencer", () => {
    const id = jobIdFor({ bucket: "b", key: "incoming/a.csv", sequencer: "0055AED6DCD90281E5" });
    expect(isJobId(id)).toBe(true);
    expect(jobIdFor({ bucket: "b", key: "incoming/a.csv", sequencer: "0055AED6DCD90281E5" })).toBe(id);
    expect(jobIdFor({ bucket: "b", key: "incoming/a.csv", sequencer: "0055AED6DCD90281E6" })).not.toBe(id);
    expect(jobIdFor({ bucket: "b", key: "incoming/a.csv", versionId: "0055AED6DCD90281E5" })).not.toBe(id);
    expect(jobIdFor({ bucket: "c", key: "incoming/a.csv", sequencer: "0055AED6DCD90281E5" })).not.toBe(id);
  });
});
