import { describe, expect, it } from "vitest";
import { InvalidMaxRejectedError } from "../../../lib/ingest/errors.js";
import { exceedsTolerance, parseMaxRejected } from "../../../lib/ingest/rejectionTolerance.js";

describe("parseMaxRejected", () => {
  it.each([
    ["10", { kind: "count", count: 10, text: "10" }],
    [" 0 ", { kind: "count", count: 0, text: "0" }],
    ["5%", { kind: "percent", tenThousandths: 50_000, text: "5%" }],
    ["2.5 %", { kind: "percent", tenThousandths: 25_000, text: "2.5%" }],
    ["0.0001%", { kind: "percent", tenThousandths: 1, text: "0.0001%" }],
    ["100%", { kind: "percent", tenThousandths: 1_000_000, text: "100%" }],
  ] as const)("reads %j", (value, expected) => {
    expect(parseMaxRejected(value)).toEqual(expected);
  });

  it.each(["", "-1", "1.5", "ten", "101%", "5%%", "0.00001%", "%"])("refuses %j", (value) => {
    expect(() => parseMaxRejected(value)).toThrow(InvalidMaxRejectedError);
  });
});

describe("exceedsTolerance", () => {
  it("allows as many rejected users as the count, and stops one more", () => {
    expect(exceedsTolerance(parseMaxRejected("2"), 2, 20)).toBeUndefined();
    expect(exceedsTolerance(parseMaxRejected("2"), 3, 20)).toEqual({
      maxRejected: "2",
      limit: 2,
      rejected: 3,
      users: 20,
      message: "3 of 20 users rejected, more than max-rejected 2 allows (2): nothing of the file is sent",
    });
  });

  it("allows the percentage of the users rounded down, and stops one more", () => {
    expect(exceedsTolerance(parseMaxRejected("10%"), 2, 20)).toBeUndefined();
    expect(exceedsTolerance(parseMaxRejected("10%"), 3, 20)).toEqual({
      maxRejected: "10%",
      limit: 2,
      rejected: 3,
      users: 20,
      message:
        "3 of 20 users rejected, more than max-rejected 10% allows (2 of 20): nothing of the file is sent",
    });
    // 10% of 25 is 2.5: 2 allowed, 3 too many.
    expect(exceedsTolerance(parseMaxRejected("10%"), 3, 25)?.limit).toBe(2);
    // Exact where floating point is not: 29% of 100 is 29, not 28.999...
    expect(exceedsTolerance(parseMaxRejected("29%"), 29, 100)).toBeUndefined();
    expect(exceedsTolerance(parseMaxRejected("29%"), 30, 100)?.limit).toBe(29);
  });

  it("has no limit without a tolerance, and 0 allows none", () => {
    expect(exceedsTolerance(undefined, 1_000, 1_000)).toBeUndefined();
    expect(exceedsTolerance(parseMaxRejected("0"), 0, 5)).toBeUndefined();
    expect(exceedsTolerance(parseMaxRejected("0%"), 1, 5)?.limit).toBe(0);
  });
});
