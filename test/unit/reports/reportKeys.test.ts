import { describe, expect, it } from "vitest";
import { reportKeys } from "../../../lib/reports/reportKeys.js";

describe("reportKeys", () => {
  it("keeps the key after incoming/ under reports/", () => {
    expect(reportKeys("incoming/2026/users.csv.gz")).toEqual({
      rejects: "reports/2026/users.csv.gz.rejects.csv",
      summary: "reports/2026/users.csv.gz.summary.json",
      unsent: "reports/2026/users.csv.gz.unsent.csv",
      result: "reports/2026/users.csv.gz.result.json",
      failures: "reports/2026/users.csv.gz.failures.csv",
    });
  });

  it("keeps a key outside incoming/ whole", () => {
    expect(reportKeys("drop/users.jsonl").rejects).toBe("reports/drop/users.jsonl.rejects.csv");
  });

  it("adds the missing slash to a configured prefix", () => {
    expect(reportKeys("incoming/a b.csv", "out").summary).toBe("out/a b.csv.summary.json");
    expect(reportKeys("incoming/a.csv", "out/x/").summary).toBe("out/x/a.csv.summary.json");
  });
});
